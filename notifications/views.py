"""The console's Messages area: the inbox and the subscription settings (SPEC.md §4)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from billing import roles
from console.access import console_view

from . import recipients as recipient_services
from . import rendering, selectors, services, verification
from .forms import MatrixForm, RecipientForm, VerificationCodeForm
from .kinds import VERIFIED_CHANNELS, Category, Channel
from .models import Delivery, Recipient


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


# --- inbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    message: Delivery
    title: str
    category: str
    category_label: str


def _row(message: Delivery) -> InboxRow:
    category = Category(selectors.category_of(message.notice.kind))
    return InboxRow(
        message=message,
        title=rendering.render_subject(
            notice=message.notice, recipient=message.recipient, language=translation.get_language()
        ),
        category=category.value,
        category_label=category.label,
    )


def _inbox_context(request) -> dict:
    account = request.acting.account
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(
        selectors.inbox(
            user=request.user, account=account, category=category or None, unread_only=unread_only
        ),
        20,
    ).get_page(request.GET.get("page"))
    unread_by_category = selectors.unread_by_category(user=request.user, account=account)
    return {
        "page": page,
        "rows": [_row(message) for message in page],
        "category": category,
        "unread_only": unread_only,
        "categories": [
            (value, label, unread_by_category.get(value, 0))
            for value, label in Category.choices
            if value in selectors.INBOX_CATEGORIES
        ],
        "unread_total": sum(unread_by_category.values()),
        "query": request.GET.urlencode(),
    }


@console_view()
@require_GET
def inbox(request):
    context = _inbox_context(request)
    if request.htmx:
        return render(request, "notifications/inbox.html#inbox-panel", context)
    return render(request, "notifications/inbox.html", context)


@console_view()
@require_GET
def message_detail(request, pk: int):
    account = request.acting.account
    message = get_object_or_404(selectors.inbox(user=request.user, account=account), pk=pk)
    if message.read_at is None:
        now = timezone.now()
        services.mark_messages_read(user=request.user, account=account, delivery_id=pk, now=now)
        message.read_at = now
    rendered = rendering.render_insite(
        notice=message.notice, recipient=message.recipient, language=translation.get_language()
    )
    return render(
        request,
        "notifications/message.html",
        {"message": message, "rendered": rendered, "row": _row(message)},
    )


@console_view()
@require_POST
def mark_read(request, pk: int):
    account = request.acting.account
    message = get_object_or_404(selectors.inbox(user=request.user, account=account), pk=pk)
    services.mark_messages_read(
        user=request.user, account=account, delivery_id=pk, now=timezone.now()
    )
    if not request.htmx:
        return redirect("notifications:inbox")
    message.refresh_from_db()
    return render(
        request,
        "notifications/inbox.html#row-read",
        {
            "row": _row(message),
            "unread_total": selectors.unread_count(user=request.user, account=account),
        },
    )


@console_view()
@require_POST
def mark_all_read(request):
    count = services.mark_messages_read(
        user=request.user, account=request.acting.account, now=timezone.now()
    )
    text = ngettext(
        "%(count)d message marked as read.", "%(count)d messages marked as read.", count
    ) % {"count": count}
    if not request.htmx:
        messages.success(request, text)
        return redirect("notifications:inbox")
    response = render(
        request,
        "notifications/inbox.html#inbox-panel",
        {**_inbox_context(request), "oob_badge": True},
    )
    return _toast(response, text)


# --- subscription settings -----------------------------------------------------------------


@dataclass(frozen=True)
class RecipientRow:
    recipient: Recipient
    role: str
    matrix: list[selectors.MatrixRow]


def _role_label(recipient: Recipient) -> str:
    if recipient.is_owner:
        return _("Owner")
    if recipient.user_id is None:
        return _("Contact")
    membership = getattr(recipient.user, "membership", None)
    return membership.get_role_display() if membership else _("Former sub-account")


def _settings_context(request, **extra) -> dict:
    account = request.acting.account
    recipient_services.ensure_default_recipients(account=account)
    rows = [
        RecipientRow(
            recipient=recipient,
            role=_role_label(recipient),
            matrix=selectors.subscription_matrix(recipient=recipient),
        )
        for recipient in selectors.recipients_of(account=account)
    ]
    return {
        "rows": rows,
        "channels": Channel.choices,
        "can_edit": roles.can_manage_members(request.acting.role),
        "add_form": RecipientForm(),
        **extra,
    }


def _own_recipient(request, pk: int) -> Recipient:
    return get_object_or_404(Recipient, pk=pk, account=request.acting.account)


def _verify_channel(channel: str) -> str:
    if channel not in VERIFIED_CHANNELS:
        raise Http404("Only email and SMS are verified.")
    return channel


@console_view(allow=roles.can_manage_members)
@require_GET
def settings_page(request):
    verify = None
    pk, _sep, channel = request.GET.get("verify", "").partition(":")
    if pk.isdigit() and channel in VERIFIED_CHANNELS:
        verify = {"recipient_id": int(pk), "channel": channel, "form": VerificationCodeForm()}
    return render(request, "notifications/settings.html", _settings_context(request, verify=verify))


@console_view(allow=roles.can_manage_members)
@require_POST
def recipient_add(request):
    form = RecipientForm(request.POST)
    if form.is_valid():
        try:
            recipient = recipient_services.add_recipient(
                account=request.acting.account,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                mobile=form.cleaned_data["mobile"],
            )
        except recipient_services.RecipientError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s was added. Verify the address before they receive messages.")
                % {"name": recipient.name},
            )
            return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        _settings_context(request, add_form=form),
        status=400,
    )


@console_view(allow=roles.can_manage_members)
@require_http_methods(["GET", "POST"])
def recipient_edit(request, pk: int):
    recipient = _own_recipient(request, pk)
    form = RecipientForm(
        request.POST or None,
        initial={"name": recipient.name, "email": recipient.email, "mobile": recipient.mobile},
    )
    if request.method == "POST" and form.is_valid():
        try:
            recipient_services.update_recipient(
                recipient=recipient,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                mobile=form.cleaned_data["mobile"],
            )
        except recipient_services.RecipientError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Recipient saved."))
            return redirect("notifications:settings")
    return render(
        request, "notifications/recipient_edit.html", {"recipient": recipient, "form": form}
    )


@console_view(allow=roles.can_manage_members)
@require_POST
def recipient_remove(request, pk: int):
    recipient = _own_recipient(request, pk)
    try:
        recipient_services.remove_recipient(recipient=recipient)
    except recipient_services.RecipientError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": recipient.name})
    return redirect("notifications:settings")


@console_view(allow=roles.can_manage_members)
@require_POST
def code_send(request, pk: int, channel: str):
    recipient = _own_recipient(request, pk)
    channel = _verify_channel(channel)
    error = None
    try:
        verification.send_verification_code(
            recipient=recipient, channel=channel, now=timezone.now()
        )
    except recipient_services.RecipientError as refused:
        error = str(refused)
    text = error or _("A code was sent to %(address)s.") % {"address": recipient.address(channel)}
    if not request.htmx:
        (messages.error if error else messages.success)(request, text)
        return redirect(f"{reverse('notifications:settings')}?verify={pk}:{channel}")
    verify = {"recipient_id": pk, "channel": channel, "form": VerificationCodeForm()}
    response = render(
        request,
        "notifications/settings.html#verify-row",
        {"row": _row_for(request, recipient), "verify": verify, "can_edit": True},
    )
    return _toast(response, text, "danger" if error else "success")


def _row_for(request, recipient: Recipient) -> RecipientRow:
    return RecipientRow(
        recipient=recipient,
        role=_role_label(recipient),
        matrix=selectors.subscription_matrix(recipient=recipient),
    )


@console_view(allow=roles.can_manage_members)
@require_POST
def code_confirm(request, pk: int, channel: str):
    recipient = _own_recipient(request, pk)
    channel = _verify_channel(channel)
    form = VerificationCodeForm(request.POST)
    if form.is_valid():
        try:
            verification.confirm_verification_code(
                recipient=recipient,
                channel=channel,
                code=form.cleaned_data["code"],
                now=timezone.now(),
            )
        except recipient_services.RecipientError as error:
            form.add_error("code", str(error))
        else:
            messages.success(
                request, _("%(address)s is verified.") % {"address": recipient.address(channel)}
            )
            if request.htmx:
                return HttpResponseClientRedirect(reverse("notifications:settings"))
            return redirect("notifications:settings")
    if not request.htmx:
        for error in form.errors.get("code", []):
            messages.error(request, error)
        return redirect(f"{reverse('notifications:settings')}?verify={pk}:{channel}")
    verify = {"recipient_id": pk, "channel": channel, "form": form}
    return render(
        request,
        "notifications/settings.html#verify-row",
        {"row": _row_for(request, recipient), "verify": verify, "can_edit": True},
    )


@console_view(allow=roles.can_manage_members)
@require_POST
def subscriptions_save(request, pk: int):
    recipient = _own_recipient(request, pk)
    form = MatrixForm(request.POST)
    error = None
    if form.is_valid():
        try:
            recipient_services.set_subscriptions(recipient=recipient, cells=form.cleaned_cells())
        except recipient_services.RecipientError as refused:
            error = str(refused)
    else:
        error = _("Unknown category or channel.")
    text = error or _("Subscriptions for %(name)s saved.") % {"name": recipient.name}
    if not request.htmx:
        (messages.error if error else messages.success)(request, text)
        return redirect("notifications:settings")
    response = render(
        request,
        "notifications/settings.html#matrix",
        {"row": _row_for(request, recipient), "channels": Channel.choices, "can_edit": True},
    )
    return _toast(response, text, "danger" if error else "success")
