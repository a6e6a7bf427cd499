from .base import DeliveryError, PermanentDeliveryError, TransientDeliveryError

__all__ = ["DeliveryError", "PermanentDeliveryError", "TransientDeliveryError"]
