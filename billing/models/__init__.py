from .accounts import Account, Membership
from .apps import OVERSEAS_ACCESS_POINTS, AccessPoint, CaptchaApp, PushApp
from .catalog import PackSku, Product
from .fields import ZERO, MoneyField
from .ledger import DailyCounter, LedgerEntry, Recharge, Voucher
from .orders import Order, PostpaidBillLine
from .packs import CaptchaPack, PushSubscription
from .refunds import OPEN_REFUND_STATES, RefundTicket, RefundTicketEvent
from .usage import CaptchaUsageDaily, PushDauDaily

__all__ = [
    "OPEN_REFUND_STATES",
    "OVERSEAS_ACCESS_POINTS",
    "ZERO",
    "AccessPoint",
    "Account",
    "CaptchaApp",
    "CaptchaPack",
    "CaptchaUsageDaily",
    "DailyCounter",
    "LedgerEntry",
    "Membership",
    "MoneyField",
    "Order",
    "PackSku",
    "PostpaidBillLine",
    "Product",
    "PushApp",
    "PushDauDaily",
    "PushSubscription",
    "Recharge",
    "RefundTicket",
    "RefundTicketEvent",
    "Voucher",
]
