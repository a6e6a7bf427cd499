"""CAPTCHA packs: trial claim and pack purchases (SPEC.md §2)."""

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, pricing, roles
from billing.errors import BillingError, NotPermitted
from billing.models import Account, CaptchaApp, CaptchaPack, Order, PackSku
from billing.selectors import Acting
from billing.text import NAME_LENGTH, clean_text

from . import audit, metering
from .checkout import (
    Purchase,
    on_sale_refusal,
    pay_order,
    purchase,
    require_buyer,
    require_on_sale,
)
from .ledger import lock_account


def trial_refusal(*, acting: Acting, account: Account) -> str | None:
    """Why this account cannot claim the free trial, or None: the CAPTCHA page shows it beside
    the disabled button and claim_trial refuses with it under the lock."""
    if CaptchaPack.objects.filter(account=account, kind=PackSku.Kind.TRIAL).exists():
        return _("The free trial has already been claimed for this account.")
    if not acting.is_owner:
        return _("Only the main account can claim the free trial; sub-accounts cannot.")
    if account.verification_state != Account.Verification.VERIFIED:
        return _("Real-name verification is required before claiming the trial.")
    # SPEC §1 closed products: the trial is a new customer's entry too.
    return on_sale_refusal(
        account=account, product=PackSku.objects.get(kind=PackSku.Kind.TRIAL, active=True).product
    )


def claim_trial(*, acting: Acting, now: dt.datetime | None = None) -> CaptchaPack:
    """20,000 verifications for 7 days, once per main account; sub-accounts cannot claim it."""
    if not acting.is_owner:
        raise NotPermitted(_("Only the main account can claim the free trial."))
    now = now or timezone.now()
    sku = PackSku.objects.get(kind=PackSku.Kind.TRIAL, active=True)
    with transaction.atomic():
        account = lock_account(acting.account.pk)
        refusal = trial_refusal(acting=acting, account=account)
        if refusal:
            raise BillingError(refusal)
        try:
            with transaction.atomic():
                return CaptchaPack.objects.create(
                    account=account,
                    sku=sku,
                    kind=sku.kind,
                    size=sku.verifications,
                    bought_at=now,
                    expires_at=now + policy.CAPTCHA_TRIAL_VALIDITY,
                )
        except IntegrityError as error:
            raise BillingError(
                _("The free trial has already been claimed for this account.")
            ) from error


def has_bought_count_pack(*, account: Account) -> bool:
    return Order.objects.filter(account=account, sku__kind=PackSku.Kind.COUNT).exists()


def buy_pack(
    *,
    acting: Acting,
    user,
    sku: PackSku,
    idempotency_key: str,
    voucher_code: str = "",
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Purchase:
    """Buy a count or top-up pack; it stacks on what remains and keeps its own 1-year validity."""
    if sku.kind not in (PackSku.Kind.COUNT, PackSku.Kind.TOPUP) or not sku.active:
        raise BillingError(_("That pack is not for sale."))

    def buy(account: Account, now: dt.datetime) -> Order:
        require_buyer(acting=acting, account=account)
        require_on_sale(account=account, product=sku.product)
        if sku.kind == PackSku.Kind.TOPUP and not has_bought_count_pack(account=account):
            raise BillingError(
                _("Top-up packs can be bought once the account has bought a count pack.")
            )
        quote = pricing.captcha_pack_quote(
            label=str(sku), price=sku.price, verifications=sku.verifications, kind=sku.kind
        )
        order = pay_order(
            account=account,
            product=sku.product,
            kind=Order.Kind.TOPUP if sku.kind == PackSku.Kind.TOPUP else Order.Kind.NEW,
            total=quote.total,
            breakdown=quote.stored_lines(),
            voucher_code=voucher_code,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            user=user,
            now=now,
            memo=f"CAPTCHA {sku}",
            sku=sku,
        )
        CaptchaPack.objects.create(
            account=account,
            sku=sku,
            kind=sku.kind,
            size=sku.verifications,
            bought_at=now,
            expires_at=now + dt.timedelta(days=sku.validity_days),
            order=order,
        )
        if sku.kind == PackSku.Kind.COUNT:
            _enable_postpaid_on_count_pack(account, at=now, by=user)
        metering.rearm_usage_alert(account, now=now)
        return order

    return purchase(acting=acting, idempotency_key=idempotency_key, now=now, buy=buy)


def postpaid_switches_on(*, account: Account, balance_after) -> bool | None:
    """SPEC.md §2: buying a count pack switches postpaid on when the balance is above zero as
    the pack is bought (after paying). None: postpaid is on already. The checkout warns with
    this before Pay; buying decides with it."""
    if account.captcha_postpaid == Account.CaptchaPostpaid.ON:
        return None
    return balance_after > 0


def _enable_postpaid_on_count_pack(account: Account, *, at, by) -> None:
    switches_on = postpaid_switches_on(account=account, balance_after=account.available_balance)
    if switches_on is None:
        return
    set_postpaid(
        account,
        Account.CaptchaPostpaid.ON if switches_on else Account.CaptchaPostpaid.FAILED,
        note="Count pack bought" + ("" if switches_on else " with no balance left"),
        by=by,
        at=at,
    )


def set_postpaid(account: Account, value: str, *, note: str, by=None, at=None) -> bool:
    """The one writer of CAPTCHA postpaid (audited); the caller holds the account lock."""
    if account.captcha_postpaid == value:
        return False
    old, account.captcha_postpaid = account.captcha_postpaid, value
    account.save(update_fields=["captcha_postpaid"])
    audit.record(
        action=audit.Action.CAPTCHA_POSTPAID_CHANGED,
        subject=account,
        account=account,
        by=by,
        old=old,
        new=value,
        reason=note,
        at=at,
    )
    return True


def request_postpaid(*, acting: Acting) -> Account:
    """After a failed automatic enablement the customer asks support to enable postpaid."""
    if not roles.can_spend(acting.role):
        raise NotPermitted(
            _("The {role} role cannot change postpaid settings.").format(role=acting.role_label)
        )
    with transaction.atomic():
        account = lock_account(acting.account.pk)
        if account.captcha_postpaid == Account.CaptchaPostpaid.ON:
            raise BillingError(_("Postpaid is already on."))
        if not has_bought_count_pack(account=account):
            raise BillingError(
                _("Postpaid can be requested once the account has bought a count pack.")
            )
        set_postpaid(
            account,
            Account.CaptchaPostpaid.REQUESTED,
            note="Asked for in the console",
            by=acting.user,
        )
    return account


def create_app(*, acting: Acting, name: str) -> CaptchaApp:
    if not roles.can_manage_resources(acting.role):
        raise NotPermitted(_("The {role} role cannot create apps.").format(role=acting.role_label))
    name = (name or "").strip()
    if not name:
        raise BillingError(_("Give the app a name."))
    name = clean_text(name, label=_("The app name"), max_length=NAME_LENGTH)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return CaptchaApp.objects.create(
                    account=acting.account, name=name, captcha_app_id=_random_app_id()
                )
        except IntegrityError:
            continue
    raise BillingError(_("Could not allocate an app ID; try again."))


def _random_app_id() -> int:
    return 190_000_000 + secrets.randbelow(9_800_000_000)
