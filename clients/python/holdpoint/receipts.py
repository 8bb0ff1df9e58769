"""Signed decision receipts, checked offline.

A decided pause carries `receipt`: a compact JWS (header `{"alg": "EdDSA", "kid"}`) that the
server signed with an Ed25519 key published at `/.well-known/jwks.json`. The service that
finally executes an approved action verifies it without calling Holdpoint, and checks that the
arguments it is about to run are the ones the person saw (`req`):

    claims = verify_receipt(receipt, jwks, issuer="https://holdpoint.example.com")
    if not receipt_matches(claims, context, edits, action="Deploy v2.4.1"):
        raise PermissionError("not what was approved")

Needs the `receipts` extra (`pip install holdpoint[receipts]`: `cryptography`, `rfc8785`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidReceipt

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
#: Beyond ±(2**53 - 1) an integer is not exact in JSON's doubles; RFC 8785 (and the server,
#: serde_json_canonicalizer) write it as the nearest double.
_SAFE_INT = 2**53 - 1
_INSTALL = "receipts need the `receipts` extra: pip install holdpoint[receipts]"


@dataclass(frozen=True)
class ReceiptClaims:
    """A verified receipt's claims. `claims` holds them all as signed (newer servers may add
    more); `kid` names the key that signed it."""

    iss: str
    sub: str
    ws: int
    action: str
    tool: str | None
    req: str
    status: str
    decided_by: dict[str, Any] | None
    iat: int
    exp: int
    kid: str
    claims: dict[str, Any] = field(repr=False)

    @property
    def watch_id(self) -> str:
        """The pause the receipt is for (`sub`)."""
        return self.sub


def receipt_request_hash(context: Any, edits: Mapping[str, Any] | None = None) -> str:
    """The `req` claim for these arguments: base64url (no padding) of SHA-256 over the RFC 8785
    JSON of `{"context": context, "edits": edits}`. Pass the pause JSON's `context` and `edits`
    members as they are (None when absent): the arguments the agent sent and the person's
    changes to them."""
    try:
        import rfc8785
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    body = {"context": _exact(context), "edits": _exact(None if edits is None else dict(edits))}
    digest = hashlib.sha256(rfc8785.dumps(body)).digest()
    return _b64encode(digest)


def receipt_matches(claims: ReceiptClaims, context: Any, edits: Mapping[str, Any] | None = None,
                    *, action: str | None = None, tool: str | None = None,
                    status: str | None = "approved") -> bool:
    """Whether a verified receipt approves exactly this call: `req` recomputed from `context`
    and `edits` equals the signed one, and `status` (default `approved`; None: any), `action`
    and `tool` (when given) are the signed ones."""
    if status is not None and claims.status != status:
        return False
    if action is not None and claims.action != action:
        return False
    if tool is not None and claims.tool != tool:
        return False
    return hmac.compare_digest(receipt_request_hash(context, edits), claims.req)


def verify_receipt(receipt: str, jwks: Mapping[str, Any], *, now: float | None = None,
                   issuer: str | None = None, leeway: int = 0) -> ReceiptClaims:
    """Checks a receipt offline against a JWKS (`{"keys": [...]}`, as `/.well-known/jwks.json`
    serves it) and returns its claims. Only `EdDSA` (Ed25519) is accepted. `now` is Unix
    seconds (default: the clock); `leeway` seconds of clock skew are forgiven on `exp` and
    `iat`; `issuer`, when given, must equal `iss`. Raises `InvalidReceipt` (its `reason` says
    why: format, alg, kid, signature, claims, issuer, expired, not_yet_valid)."""
    if not isinstance(receipt, str) or receipt.count(".") != 2:
        raise InvalidReceipt("format", "a receipt is a compact JWS: three base64url parts")
    head_b64, body_b64, sig_b64 = receipt.split(".")
    header = _json_part(head_b64, "header")
    alg = header.get("alg")
    if alg != "EdDSA":
        raise InvalidReceipt("alg", f"alg {alg!r} is not accepted: only EdDSA")
    if "crit" in header:
        raise InvalidReceipt("format", "the header names critical extensions this client lacks")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidReceipt("format", "the header has no kid")
    key = _public_key(jwks, kid)
    signature = _b64decode(sig_b64, "signature")
    try:
        key.verify(signature, f"{head_b64}.{body_b64}".encode("ascii"))
    except Exception as e:  # cryptography's InvalidSignature
        raise InvalidReceipt("signature", "the signature does not verify") from e
    claims = _json_part(body_b64, "payload")
    parsed = _claims(claims, kid)
    if issuer is not None and parsed.iss != issuer.rstrip("/"):
        raise InvalidReceipt("issuer", f"issued by {parsed.iss!r}, not {issuer!r}")
    at = time.time() if now is None else now
    if at >= parsed.exp + leeway:
        raise InvalidReceipt("expired", f"expired at {parsed.exp}")
    if parsed.iat > at + leeway:
        raise InvalidReceipt("not_yet_valid", f"issued at {parsed.iat}, in the future")
    return parsed


def _public_key(jwks: Mapping[str, Any], kid: str) -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidReceipt("kid", "the JWKS has no `keys` list")
    for jwk in keys:
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid:
            if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519") or \
                    jwk.get("alg", "EdDSA") != "EdDSA" or not isinstance(jwk.get("x"), str):
                raise InvalidReceipt("kid", f"key {kid} is not an Ed25519 signing key")
            raw = _b64decode(jwk["x"], "key")
            if len(raw) != 32:
                raise InvalidReceipt("kid", f"key {kid} is not 32 bytes")
            return Ed25519PublicKey.from_public_bytes(raw)
    raise InvalidReceipt("kid", f"no key {kid} in the JWKS (another server, or a key retired)")


def _claims(c: dict[str, Any], kid: str) -> ReceiptClaims:
    def want(name: str, *types: type) -> Any:
        value = c.get(name)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise InvalidReceipt("claims", f"claim {name} is missing or mistyped")
        return value

    return ReceiptClaims(
        iss=want("iss", str), sub=want("sub", str), ws=want("ws", int),
        action=want("action", str), tool=want("tool", str, type(None)), req=want("req", str),
        status=want("status", str), decided_by=want("decidedBy", dict, type(None)),
        iat=want("iat", int), exp=want("exp", int), kid=kid, claims=c)


def _json_part(part: str, what: str) -> dict[str, Any]:
    raw = _b64decode(part, what)
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidReceipt("format", f"the {what} is not JSON") from e
    if not isinstance(value, dict):
        raise InvalidReceipt("format", f"the {what} is not a JSON object")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a member is repeated")
    return out


def _b64decode(part: str, what: str) -> bytes:
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise InvalidReceipt("format", f"the {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as e:
        raise InvalidReceipt("format", f"the {what} is not base64url") from e


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _exact(value: Any) -> Any:
    """Integers beyond ±(2**53-1) as the double JSON makes of them (as the server hashes them)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and abs(value) > _SAFE_INT:
        return float(value)
    if isinstance(value, Mapping):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    return value
