import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from billing.models import Account, Invitation, Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory, fund

pytestmark = pytest.mark.django_db


def _invite(client, account, email, role, callbacks):
    client.force_login(account.owner)
    with callbacks(execute=True):
        client.post(reverse("console:invite_member"), {"email": email, "role": role})
    client.logout()
    return re.search(r"/invitations/[^/\s]+/", mail.outbox[-1].body).group(0)


def test_an_invitation_creates_no_login_and_the_invitee_accepts_it(
    client, django_capture_on_commit_callbacks
):
    account = AccountFactory(name="Acme")
    link = _invite(
        client, account, "Finance@Acme.test", "finance", django_capture_on_commit_callbacks
    )
    assert not get_user_model().objects.filter(email__iexact="finance@acme.test").exists()
    assert not Membership.objects.exists()
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.status) == (
        "finance@acme.test",
        "finance",
        "pending",
    )
    # The owner's member list shows it as pending.
    client.force_login(account.owner)
    assert "Invited — not accepted yet" in client.get(reverse("console:account")).text
    client.logout()

    page = client.get(link).text
    assert "Acme" in page and "Finance" in page and "Sign in to answer" in page
    # The invitee signs up with the invited address: no account of their own is opened.
    client.post(
        reverse("account_signup") + f"?next={link}",
        {
            "email": "finance@acme.test",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
    )
    user = get_user_model().objects.get(email="finance@acme.test")
    assert not Account.objects.filter(owner=user).exists()
    response = client.post(link, {"decision": "accept"})
    assert response["Location"] == reverse("console:overview")
    member = Membership.objects.get(account=account)
    assert (member.user, member.role) == (user, "finance")
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user
    assert client.post(link, {"decision": "accept"}).status_code == 302  # used: nothing more
    assert Membership.objects.count() == 1


def test_another_address_staff_and_other_accounts_users_cannot_accept(
    client, django_capture_on_commit_callbacks
):
    account = AccountFactory()
    other = AccountFactory()
    fund(other, cash="10")  # an account with history
    link = _invite(client, account, other.owner.email, "admin", django_capture_on_commit_callbacks)
    client.force_login(other.owner)
    page = client.get(link).text
    assert "owns an account of its own" in page
    client.post(link, {"decision": "accept"})
    stranger = UserFactory()
    client.force_login(stranger)
    page = client.get(link).text
    assert "sign in with that address" in page and 'value="decline"' not in page
    client.post(link, {"decision": "accept"})
    client.post(link, {"decision": "decline"})  # nor can they close someone else's invitation
    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.exists()


def test_staff_cannot_be_invited(client):
    UserFactory(username="agent", email="agent@example.com", is_staff=True)
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(
        reverse("console:invite_member"),
        {"email": "agent@example.com", "role": "admin"},
        HTTP_HX_REQUEST="true",
    )
    assert "Support staff cannot be members" in response.text
    assert not Invitation.objects.exists()


def test_staff_never_act_for_a_customer_in_the_console(client):
    account = AccountFactory()
    staff = UserFactory(username="agent2", is_staff=True)
    Membership.objects.create(account=account, user=staff, role="admin")  # e.g. via the admin
    client.force_login(staff)
    assert client.get(reverse("console:overview")).status_code == 403


def test_declining_and_withdrawing(client, django_capture_on_commit_callbacks):
    account = AccountFactory()
    link = _invite(client, account, "x@acme.test", "readonly", django_capture_on_commit_callbacks)
    invitee = UserFactory(username="x", email="x@acme.test")
    client.force_login(invitee)
    client.post(link, {"decision": "decline"})
    assert Invitation.objects.get().status == "declined"
    client.post(reverse("console:open_own_account"))
    assert Account.objects.filter(owner=invitee).exists()

    second = _invite(client, account, "y@acme.test", "readonly", django_capture_on_commit_callbacks)
    client.force_login(account.owner)
    pending = Invitation.objects.get(email="y@acme.test")
    client.post(reverse("console:revoke_invitation", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == "revoked"
    client.force_login(UserFactory(username="y", email="y@acme.test"))
    assert "no longer open" in client.get(second).text
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "error"),
    [
        ("not-an-email", "admin", "Enter a valid email address"),
        ("x@acme.test", "owner", "Select a valid choice"),
    ],
)
def test_bad_invitations_are_refused(client, email, role, error):
    account = AccountFactory()
    client.force_login(account.owner)
    response = client.post(
        reverse("console:invite_member"), {"email": email, "role": role}, follow=True
    )
    assert error in response.content.decode()
    assert not Membership.objects.exists()


def test_admin_changes_roles_and_removes_members(client):
    account = AccountFactory()
    admin = MembershipFactory(account=account, role="admin")
    member = MembershipFactory(account=account, role="readonly")
    client.force_login(admin.user)
    client.post(reverse("console:change_member", args=[member.pk]), {"role": "finance"})
    member.refresh_from_db()
    assert member.role == "finance"
    client.post(reverse("console:change_member", args=[member.pk]), {"remove": "1"})
    assert not Membership.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize("role", ["finance", "resource", "readonly"])
def test_only_owner_and_admin_manage_members(client, role):
    account = AccountFactory()
    me = MembershipFactory(account=account, role=role)
    client.force_login(me.user)
    response = client.post(reverse("console:invite_member"), {"email": "a@b.test", "role": "admin"})
    assert response.status_code == 403
    assert Membership.objects.count() == 1


def test_another_accounts_member_is_404(client):
    member = MembershipFactory()
    client.force_login(AccountFactory().owner)
    response = client.post(reverse("console:change_member", args=[member.pk]), {"remove": "1"})
    assert response.status_code == 404
    assert Membership.objects.filter(pk=member.pk).exists()


def test_sub_account_acts_for_the_main_account(client):
    account = AccountFactory(name="Parent Co")
    member = MembershipFactory(account=account, role="finance")
    client.force_login(member.user)
    page = client.get(reverse("console:overview")).content.decode()
    assert "Parent Co" in page
    assert not Account.objects.filter(owner=member.user).exists()


def test_user_outside_any_account_is_refused(client):
    client.force_login(UserFactory(username="stray"))
    assert client.get(reverse("console:overview")).status_code == 403


def _select(page: str, name: str) -> str:
    """The <select name=...> element of the page, as HTML."""
    start = page.index(f'name="{name}"', page.index('id="account-language"') - 200)
    return page[page.rindex("<select", 0, start) : page.index("</select>", start)]


def test_account_page_in_chinese_translates_api_keys_and_shows_the_active_language(client):
    account = AccountFactory(language="en")
    client.force_login(account.owner)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("console:account")).content.decode()
    for text in ["API 密钥", "密钥名称", "创建密钥", "暂无 API 密钥。", "<th>名称</th>"]:
        assert text in page
    assert "<th>姓名</th>" not in page
    assert "API keys" not in page and "Create key" not in page
    # The role is its label, not the stored value.
    assert '<dd class="col-sm-7" data-testid="your-role">所有者</dd>' in page
    # The language select has a label and Bootstrap styling, and shows the active language
    # (the header switcher's), not the account's stored notice language.
    assert '<label class="form-label" for="account-language">语言</label>' in page
    select = _select(page, "language")
    assert 'class="form-select' in select
    assert 'value="zh-hans" lang="zh-hans" selected>简体中文' in select
    assert 'value="en" lang="en" >English' in select


def test_saving_the_language_sets_the_cookie_and_the_notice_language(client):
    account = AccountFactory(language="en")
    client.force_login(account.owner)
    response = client.post(
        reverse("console:set_language"),
        {"language": "zh-hans", "next": reverse("console:account")},
    )
    assert response.status_code == 302 and response.url == reverse("console:account")
    assert response.cookies["django_language"].value == "zh-hans"
    account.refresh_from_db()
    assert account.language == "zh-hans"
    page = client.get(reverse("console:account")).content.decode()
    assert 'value="zh-hans" lang="zh-hans" selected>' in _select(page, "language")


@pytest.mark.parametrize("role", ["finance", "readonly"])
def test_members_switch_their_own_language_without_changing_the_accounts(client, role):
    account = AccountFactory(language="en")
    member = MembershipFactory(account=account, role=role)
    client.force_login(member.user)
    response = client.post(
        reverse("console:set_language"), {"language": "zh-hans", "next": "https://evil.test/"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert response.cookies["django_language"].value == "zh-hans"
    account.refresh_from_db()
    assert account.language == "en"


def test_sign_up_password_errors_are_in_chinese_when_the_page_is(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/signup/"})
    page = client.post(
        "/accounts/signup/", {"email": "a@b.test", "password1": "123", "password2": "123"}
    ).text
    assert "密码长度太短。密码必须包含至少 8 个字符。" in page
    assert "This password is too short" not in page
