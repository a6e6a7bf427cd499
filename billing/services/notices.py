"""The billing services' way to send a notice.

notifications imports billing's models, so billing reaches notifications.services.notify() only
when a notice is actually sent, never at import time.
"""


def notify(**kwargs):
    from notifications.services import notify as send

    return send(**kwargs)
