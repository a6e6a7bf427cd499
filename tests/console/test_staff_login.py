"""Staff sign in through the console's login page: failed logins are limited and every staff
login needs a TOTP code (issue 13, finding 4)."""

import secrets
import uuid

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


def support_user(**kwargs):
    # allauth keeps failed-login counts in the cache (Redis, shared by runs): a fresh address and
    # client IP per test keeps one test's failures out of another's limits.
    name = f"agent-{uuid.uuid4().hex[:8]}"
    user = UserFactory(username=name, email=f"{name}@example.com", is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name="Support"))
    user.ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    return user


def test_the_admin_login_is_the_console_login(client):
    response = client.get("/admin/login/?next=/admin/billing/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2Fbilling%2F" in response["Location"]


def test_failed_staff_logins_are_limited_even_before_the_right_password(client):
    user = support_user()
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": user.email, "password": "wrong"}, REMOTE_ADDR=user.ip)
    right = client.post(
        url, {"login": user.email, "password": "correct-horse-battery"}, REMOTE_ADDR=user.ip
    )
    assert "Too many failed login attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_staff_login_asks_for_the_totp_code_before_the_admin_opens(client):
    user = support_user()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": "correct-horse-battery"},
        REMOTE_ADDR=user.ip,
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(user.totp_secret)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    user = support_user(two_factor=False)
    signed_in = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": "correct-horse-battery"},
        REMOTE_ADDR=user.ip,
    )
    assert signed_in["Location"] == "/admin/"
    response = client.get("/admin/billing/refundticket/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before a security change, then opens the set-up.
    reauthenticate = client.get(reverse("mfa_activate_totp"))["Location"]
    client.post(reauthenticate, {"password": "correct-horse-battery"})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert "Set up two-factor authentication" in setup.content.decode()
