from importlib import import_module

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "renkei.intake"
    label = "intake"

    def import_models(self) -> None:
        super().import_models()
        # Attachment is defined in its own module beside models.py; importing
        # it here, while Django loads models, registers it with this app.
        import_module(f"{self.name}.attachments")
