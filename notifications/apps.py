from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Signal receivers, and the balance-alert listener on billing's balance events.
        from billing.services import balance_alert  # noqa: F401

        from . import signals  # noqa: F401
