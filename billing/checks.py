"""System checks that keep an unsafe configuration from starting.

Django runs registered checks for manage.py commands; console/wsgi.py and console/celery.py run
the "payments" ones too, because neither gunicorn nor a Celery worker runs system checks.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@checks.register("payments")
def payment_provider_check(app_configs=None, **kwargs):
    try:
        provider = import_string(settings.PAYMENT_PROVIDER)
    except ImportError as error:
        return [
            checks.Error(
                f"PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r} cannot be imported: {error}",
                id="billing.E002",
            )
        ]
    if provider.is_sandbox and not settings.PAYMENT_SANDBOX_ALLOWED:
        return [
            checks.Error(
                "The sandbox payment provider lets customers approve their own recharges.",
                hint="Set PAYMENT_PROVIDER to a real gateway or billing.payments."
                "BankTransferProvider (support confirms each transfer in the admin).",
                id="billing.E001",
            )
        ]
    return []


def refuse_unsafe_start() -> None:
    """Raise instead of serving when a payments check fails (processes that skip system checks)."""
    errors = [error for error in checks.run_checks(tags=["payments"]) if error.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{error.id}: {error.msg}" for error in errors))
