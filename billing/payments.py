"""Recharges go through a payment provider chosen by the PAYMENT_PROVIDER setting.

A real gateway implements PaymentProvider: `start` returns where to send the customer, and the
gateway's confirmation calls billing.services.recharges.complete_recharge with the reference.

Two providers ship: the sandbox (development only: it lets the customer approve their own
payment, so production refuses to start with it, see billing.checks) and bank transfer, which is
safe anywhere because support confirms each transfer in the admin when the money has arrived.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PaymentStart:
    provider_reference: str
    redirect_url: str


class PaymentProvider:
    name = "abstract"
    is_sandbox = False

    def start(self, *, amount: Decimal, account_id: int) -> PaymentStart:
        raise NotImplementedError


class SandboxPaymentProvider(PaymentProvider):
    """No real money: the console shows a clearly labelled sandbox page to approve the payment."""

    name = "sandbox"
    is_sandbox = True

    def start(self, *, amount: Decimal, account_id: int) -> PaymentStart:
        reference = f"SBX{secrets.token_hex(8).upper()}"
        return PaymentStart(
            provider_reference=reference,
            redirect_url=reverse("console:sandbox_payment", args=[reference]),
        )


class BankTransferProvider(PaymentProvider):
    """对公转账: the customer transfers quoting the reference; support confirms it in the admin."""

    name = "transfer"

    def start(self, *, amount: Decimal, account_id: int) -> PaymentStart:
        reference = f"BT{secrets.token_hex(6).upper()}"
        return PaymentStart(
            provider_reference=reference,
            redirect_url=reverse("console:transfer_payment", args=[reference]),
        )


def payment_provider() -> PaymentProvider:
    return import_string(settings.PAYMENT_PROVIDER)()
