"""What every channel raises, so delivery can tell "try again later" from "give up"."""


class DeliveryError(Exception):
    """The provider did not take the message."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying with backoff: timeouts, connection errors, rate limits, 4xx SMTP replies."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: a refused address, an unapproved template, bad credentials."""
