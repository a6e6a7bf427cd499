"""How the console answers HTMX requests: which error answers are swapped, and messages.

htmx 2 swaps only 2xx answers by default. A view that re-renders a form with its errors answers
400 (or 422), so that status is honest for scripts and tests, and `RESPONSE_HANDLING` (rendered
into `<meta name="htmx-config">` by `{% htmx_config %}` in base.html) tells htmx to swap those
like a 200. Every other 4xx/5xx stays an error that is not swapped.

django.contrib.messages are rendered by the page on a full load. An HTMX answer is a fragment
without that container, so `HtmxMessagesMiddleware` appends the pending messages to it as toasts,
swapped out of band into `#toasts` (templates/base.html), and they show where the user is.
"""

import json

from django.contrib import messages
from django.template.loader import render_to_string

# Answers that carry a re-rendered form with its errors: swapped into the target like a 200.
FORM_ERROR_STATUSES = (400, 422)

RESPONSE_HANDLING = [
    {"code": "204", "swap": False},
    {"code": "[23]..", "swap": True},
    *({"code": str(status), "swap": True, "error": False} for status in FORM_ERROR_STATUSES),
    {"code": "[45]..", "swap": False, "error": True},
    {"code": "...", "swap": False},
]

HTMX_CONFIG = {"responseHandling": RESPONSE_HANDLING}

# Headers after which htmx navigates or swaps nothing: the messages wait for the next page.
_NO_SWAP_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")


def htmx_config_json() -> str:
    return json.dumps(HTMX_CONFIG, separators=(",", ":"))


def is_swapped(response) -> bool:
    """Whether htmx will swap this answer (and so process its out-of-band parts)."""
    if response.streaming or any(header in response for header in _NO_SWAP_HEADERS):
        return False
    if response.get("HX-Reswap", "").split(" ")[0] == "none":
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    status = response.status_code
    return (200 <= status < 300 and status != 204) or status in FORM_ERROR_STATUSES


class HtmxMessagesMiddleware:
    """Show django.contrib.messages on HTMX answers, for every view.

    Must come after MessageMiddleware and HtmxMiddleware in MIDDLEWARE, so it runs before the
    message storage is saved and with `request.htmx` set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or not is_swapped(response):
            return response
        storage = messages.get_messages(request)
        if storage.used:  # the answer is a whole page that rendered them already
            return response
        pending = list(storage)  # iterating marks them used: they are not shown again
        if not pending:
            return response
        html = render_to_string("console/_messages.html#oob-toasts", {"messages": pending})
        response.content = response.content + html.encode(response.charset)
        if "Content-Length" in response:
            response["Content-Length"] = str(len(response.content))
        return response
