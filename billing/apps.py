from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # Signal receivers: open an account on sign-up, drop cached entitlement answers on every
        # change; the system checks.
        from . import checks, signals  # noqa: F401
        from .services import entitlement  # noqa: F401
