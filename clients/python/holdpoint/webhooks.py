"""Standard Webhooks v1, as the server signs (src/notify/webhook.rs): `webhook-signature` holds
`v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>` entries separated by
spaces (two during a secret's rotation), where the key is the base64 after `whsec_`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import WebhookVerificationError

#: How far a webhook's timestamp may be from now, in seconds (the spec's ±5 minutes).
TOLERANCE = 300


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError("a webhook secret is `whsec_` and base64") from e


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The `v1,<signature>` the server sends for this message."""
    payload = body.encode() if isinstance(body, str) else body
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    mac = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify_webhook(payload: bytes | str, headers: Mapping[str, str],
                   secret: str | Sequence[str], *, tolerance: int = TOLERANCE,
                   now: float | None = None) -> dict[str, Any]:
    """Checks a delivery and returns its parsed event (`{"type", "timestamp", "data"}`). Pass
    the body exactly as received. `secret` may be several (during a rotation). Raises
    `WebhookVerificationError` for a missing header, a timestamp outside `tolerance` seconds
    or no matching signature."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = (lower.get(h) for h in
                                 ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now (a replay?)")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    received = signatures.split()
    for s in secrets:
        expected = sign_webhook(s, msg_id, timestamp, payload)
        if any(hmac.compare_digest(expected, r) for r in received):
            event: dict[str, Any] = json.loads(payload)
            return event
    raise WebhookVerificationError("no signature matches the secret")
