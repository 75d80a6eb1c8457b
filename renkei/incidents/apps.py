from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "renkei.incidents"
    label = "incidents"
