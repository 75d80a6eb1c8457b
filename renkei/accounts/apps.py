from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "renkei.accounts"
    label = "accounts"

    def ready(self) -> None:
        from renkei.accounts import signals  # noqa: F401 - connects the sign-in audit
