from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "renkei.coordination"
    label = "coordination"
