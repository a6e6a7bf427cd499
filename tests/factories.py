import datetime as dt
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.utils import timezone

from billing.models import (
    Account,
    CaptchaApp,
    LedgerEntry,
    Membership,
    PackSku,
    Product,
    PushApp,
    Voucher,
)
from billing.services import ledger


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # the hook writes its own rows

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def confirmed_email(user, create, extracted, **kwargs):
        """As after a confirmed sign-up (allauth); confirmed_email=False for one not clicked."""
        if create and user.email and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def two_factor(user, create, extracted, **kwargs):
        """Staff have a TOTP authenticator, as the back office requires; `user.totp_secret`
        gives browser tests the codes (allauth.mfa.totp.internal.auth.hotp_value)."""
        if create and user.is_staff and extracted is not False:
            user.totp_secret = generate_totp_secret()
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, user.totp_secret)


def SupportFactory(**kwargs):
    """A support agent: staff, in the Support group the migrations set up, with TOTP."""
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name="Support"))
    return user


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    verification_state = Account.Verification.VERIFIED
    verified_name = factory.LazyAttribute(lambda account: account.name)
    verified_number = "110101199003070012"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ADMIN


class CaptchaAppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaptchaApp

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"captcha-app-{n}")
    captcha_app_id = factory.Sequence(lambda n: 190000000 + n)


class PushAppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PushApp

    account = factory.SubFactory(AccountFactory)
    platform = PushApp.Platform.ANDROID
    name = factory.Sequence(lambda n: f"push-app-{n}")
    access_id = factory.Sequence(lambda n: f"{1500000000 + n}")
    access_point = "guangzhou"


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    account = factory.SubFactory(AccountFactory)
    code = factory.Sequence(lambda n: f"VOUCHER{n:05d}")
    amount = Decimal("100.00")
    min_spend = Decimal("0.00")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


def fund(account: Account, *, cash: str = "0", gift: str = "0") -> Account:
    """Give an account money the way support would: a ledger adjustment with a reason."""
    staff = UserFactory(username="funding-staff", is_staff=True)
    ledger.adjust_balance(
        account=account,
        cash=Decimal(cash),
        gift=Decimal(gift),
        reason="test funding",
        by=staff,
        idempotency_key=f"fund-{account.pk}-{LedgerEntry.objects.count()}",
    )
    account.refresh_from_db()
    return account


def sku(code: str) -> PackSku:
    return PackSku.objects.get(code=code)


def product(code: str) -> Product:
    return Product.objects.get(code=code)
