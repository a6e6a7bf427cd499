from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .services import arrears  # noqa: F401  (balance listener: debt cleared → resume)
