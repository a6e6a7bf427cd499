"""Demo data for a newcomer's first look. Safe to run again: it only adds what is missing."""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from billing import roles
from billing.days import billing_day
from billing.models import Account, LedgerEntry, PackSku, Product, PushApp, PushDauDaily, Voucher
from billing.selectors import Acting
from billing.services import accounts, captcha, ledger, push
from billing.services.lifecycle import run_due_jobs

# Demo staff sign in to the admin with a TOTP code (console.middleware.StaffTwoFactor). These
# published secrets are for the demo only: add one to an authenticator app, or run
# `manage.py totp_code support@example.com`.
DEMO_STAFF_TOTP = {
    "support@example.com": "MRSW23ZNON2XA4DPOJ2C2MRQGI3C25DU",
    "admin@example.com": "MRSW23ZNMFSG22LOFUZDAMRWFV2G65DQ",
}

DEMO_USERS = {
    "alice@example.com": "demo-alice-2026",
    "bob@example.com": "demo-bob-2026",
    "support@example.com": "demo-support-2026",
    "admin@example.com": "demo-admin-2026",
}


class Command(BaseCommand):
    help = "Create demo users, accounts, balance, packs and apps (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = {email: self._user(email, password) for email, password in DEMO_USERS.items()}
            admin = users["admin@example.com"]
            admin.is_staff = admin.is_superuser = True
            admin.save()
            support = users["support@example.com"]
            support.is_staff = True
            support.save()
            support.groups.add(Group.objects.get(name="Support"))
            for email, secret in DEMO_STAFF_TOTP.items():
                if not Authenticator.objects.filter(
                    user=users[email], type=Authenticator.Type.TOTP
                ).exists():
                    TOTP.activate(users[email], secret)
            accounts.open_account(user=users["bob@example.com"], name="Bob's Studio")
            alice = accounts.open_account(user=users["alice@example.com"], name="Alice Games Ltd")
        if alice.verification_state == Account.Verification.UNVERIFIED:
            accounts.submit_verification(
                account=alice,
                kind=Account.Kind.COMPANY,
                name="Alice Games Ltd",
                number="91310000MA1K000019",
            )
            accounts.approve_verification(account=alice, by=support)
        if not LedgerEntry.objects.filter(account=alice).exists():
            self._alice_purchases(alice, users["alice@example.com"], support)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _user(self, email: str, password: str):
        user, created = get_user_model().objects.get_or_create(
            username=email.split("@")[0], defaults={"email": email}
        )
        if created:
            user.set_password(password)
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _alice_purchases(self, alice: Account, user, support) -> None:
        ledger.adjust_balance(
            account=alice,
            cash=Decimal("50000.00"),
            gift=Decimal("2000.00"),
            reason="Demo: bank transfer received",
            by=support,
            idempotency_key="demo-alice-funding",
        )
        acting = Acting(account=alice, role=roles.OWNER)
        now = timezone.now()
        Voucher.objects.get_or_create(
            code="WELCOME200",
            defaults={
                "account": alice,
                "amount": Decimal("200.00"),
                "min_spend": Decimal("1000.00"),
                "expires_at": now + dt.timedelta(days=60),
                "product": Product.objects.get(code=Product.Code.PUSH),
            },
        )
        captcha.claim_trial(acting=acting)
        captcha.buy_pack(
            acting=acting,
            user=user,
            sku=PackSku.objects.get(code="captcha-count-1m"),
            idempotency_key="demo-alice-pack",
        )
        captcha.create_app(acting=acting, name="Login page")
        shop = push.create_app(
            acting=acting,
            platform=PushApp.Platform.ANDROID,
            name="Alice Shop (Android)",
            access_point="singapore",
        )
        push.buy_prepaid(
            acting=acting,
            user=user,
            app=shop,
            capacity_wan=10,
            months=1,
            idempotency_key="demo-alice-shop",
        )
        news = push.create_app(
            acting=acting,
            platform=PushApp.Platform.IOS,
            name="Alice News (iOS)",
            access_point="shanghai",
        )
        push.enable_postpaid(acting=acting, app_ids=[news.pk])
        push.create_app(
            acting=acting,
            platform=PushApp.Platform.ANDROID,
            name="Alice Beta",
            access_point="guangzhou",
        )
        today = billing_day(now)
        for days_ago, dau in enumerate([42_000, 38_500, 40_100, 700, 12_000, 55_000, 47_300], 1):
            day = today - dt.timedelta(days=days_ago)
            PushDauDaily.objects.get_or_create(app=news, day=day, defaults={"dau": dau})
            PushDauDaily.objects.get_or_create(app=shop, day=day, defaults={"dau": 60_000 + dau})
        # Postpaid since before that week, so the first billing run has a week of bills to show.
        PushApp.objects.filter(pk=news.pk).update(
            postpaid_first_enabled_at=now - dt.timedelta(days=8),
            postpaid_since=now - dt.timedelta(days=8),
        )
        run_due_jobs(now=now)
