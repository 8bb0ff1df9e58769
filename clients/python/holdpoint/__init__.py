"""Holdpoint for Python: ask a person before an agent acts, and let people steer agents.

    from holdpoint import Holdpoint
    hp = Holdpoint()  # HOLDPOINT_URL, HOLDPOINT_KEY
    decision = hp.request_approval("Deploy build 4821", context={"service": "billing"})
    if decision.approved:
        deploy()
"""

from ._async import AsyncHoldpoint
from ._base import __version__
from ._sync import Holdpoint
from .decorator import require_approval
from .errors import (
    BadRequest,
    Cancelled,
    Conflict,
    ConnectionFailed,
    Forbidden,
    HoldpointError,
    InvalidReceipt,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    WebhookVerificationError,
)
from .models import Control, Decision
from .receipts import ReceiptClaims, receipt_matches, receipt_request_hash, verify_receipt
from .webhooks import sign_webhook, verify_webhook

__all__ = [
    "AsyncHoldpoint",
    "BadRequest",
    "Cancelled",
    "Conflict",
    "ConnectionFailed",
    "Control",
    "Decision",
    "Forbidden",
    "Holdpoint",
    "HoldpointError",
    "InvalidReceipt",
    "NotFound",
    "RateLimited",
    "ReceiptClaims",
    "Rejected",
    "ServerError",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "WebhookVerificationError",
    "__version__",
    "receipt_matches",
    "receipt_request_hash",
    "require_approval",
    "sign_webhook",
    "verify_receipt",
    "verify_webhook",
]
