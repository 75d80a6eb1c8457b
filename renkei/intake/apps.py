from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "renkei.intake"
    label = "intake"
