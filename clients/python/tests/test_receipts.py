"""Receipt verification offline: receipts signed by an independent JOSE library (joserfc), and
`req` against RFC 8785's own examples cross-checked with the `rfc8785` package. No server."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import warnings
from typing import Any

import httpx
import pytest
import rfc8785
from joserfc import jws
from joserfc.jwk import OctKey, OKPKey

from holdpoint import (
    Holdpoint,
    InvalidReceipt,
    ReceiptClaims,
    receipt_matches,
    receipt_request_hash,
    verify_receipt,
)

NOW = 1_800_000_000
KEY = OKPKey.generate_key("Ed25519")
OTHER = OKPKey.generate_key("Ed25519")
CONTEXT = {"to": "ann@example.com", "body": "Hi Ann", "amount": 12.5}
EDITS = {"body": "Hi Ann, refunded."}


def public(key: OKPKey, kid: str | None = None) -> dict[str, Any]:
    return {**key.as_dict(private=False), "kid": kid or key.thumbprint(), "alg": "EdDSA",
            "use": "sig"}


JWKS = {"keys": [public(KEY)]}


def claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": "https://hp.example.com", "sub": "w_7Kd2", "ws": 1, "action": "Email Ann",
            "tool": "send_email", "req": receipt_request_hash(CONTEXT, EDITS),
            "status": "approved", "decidedBy": {"type": "key", "id": 4, "name": "ci"},
            "iat": NOW, "exp": NOW + 900}
    return {**base, **changes}


def sign(body: dict[str, Any], key: Any = KEY, *, alg: str = "EdDSA",
         kid: str | None = None) -> str:
    header = {"alg": alg, "kid": kid or KEY.thumbprint()}
    with warnings.catch_warnings():  # joserfc warns that RFC 9864 prefers "Ed25519" to "EdDSA"
        warnings.simplefilter("ignore")
        token: str = jws.serialize_compact(header, json.dumps(body).encode(), key,
                                           algorithms=[alg])
    return token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def reason(receipt: str, jwks: dict[str, Any] = JWKS, **kw: Any) -> str:
    with pytest.raises(InvalidReceipt) as e:
        verify_receipt(receipt, jwks, **kw)
    return e.value.reason


def test_a_receipt_signed_with_a_published_key_verifies_and_returns_its_claims() -> None:
    got = verify_receipt(sign(claims()), JWKS, now=NOW + 10, issuer="https://hp.example.com/")
    assert isinstance(got, ReceiptClaims)
    assert (got.watch_id, got.ws, got.action, got.tool, got.status) == \
        ("w_7Kd2", 1, "Email Ann", "send_email", "approved")
    assert (got.decided_by, got.iat, got.exp, got.kid) == \
        ({"type": "key", "id": 4, "name": "ci"}, NOW, NOW + 900, KEY.thumbprint())
    assert got.claims == claims()


def test_a_changed_claim_under_the_original_signature_fails() -> None:
    head, _, sig = sign(claims()).split(".")
    forged = b64(json.dumps(claims(action="Email everyone")).encode())
    assert reason(f"{head}.{forged}.{sig}", now=NOW) == "signature"


def test_a_receipt_signed_by_another_key_under_the_published_kid_fails() -> None:
    assert reason(sign(claims(), OTHER), now=NOW) == "signature"


def test_a_receipt_signed_by_a_key_missing_from_the_jwks_fails() -> None:
    assert reason(sign(claims(), OTHER, kid=OTHER.thumbprint()), now=NOW) == "kid"
    other_set = {"keys": [public(OTHER)]}
    assert reason(sign(claims()), other_set, now=NOW) == "kid"


def test_a_retired_key_still_in_the_jwks_verifies() -> None:
    both = {"keys": [public(OTHER), public(KEY)]}
    assert verify_receipt(sign(claims()), both, now=NOW).sub == "w_7Kd2"


def test_an_expired_receipt_fails_unless_the_leeway_covers_it() -> None:
    receipt = sign(claims())
    assert verify_receipt(receipt, JWKS, now=NOW + 899).exp == NOW + 900
    assert reason(receipt, now=NOW + 900) == "expired"
    assert verify_receipt(receipt, JWKS, now=NOW + 930, leeway=60).sub == "w_7Kd2"


def test_a_receipt_issued_in_the_future_is_not_yet_valid() -> None:
    assert reason(sign(claims()), now=NOW - 61, leeway=60) == "not_yet_valid"
    assert verify_receipt(sign(claims()), JWKS, now=NOW - 60, leeway=60).iat == NOW


def test_alg_none_and_hs256_are_refused() -> None:
    body = b64(json.dumps(claims()).encode())
    none_head = b64(json.dumps({"alg": "none", "kid": KEY.thumbprint()}).encode())
    assert reason(f"{none_head}.{body}.", now=NOW) == "alg"
    # HS256 keyed with the public key's bytes: the classic key-confusion forgery.
    secret = OctKey.import_key(base64.urlsafe_b64decode(public(KEY)["x"] + "="))
    assert reason(sign(claims(), secret, alg="HS256"), now=NOW) == "alg"


def test_another_issuer_fails_when_one_is_expected() -> None:
    assert reason(sign(claims()), now=NOW, issuer="https://other.example.com") == "issuer"


@pytest.mark.parametrize("receipt", [
    "", "abc", "a.b", "a.b.c.d", "!!.e30.AA", "e30.e30.AA", "WzFd.e30.AA",
])
def test_what_is_not_a_compact_jws_fails_as_format(receipt: str) -> None:
    assert reason(receipt, now=NOW) in ("format", "alg")


def test_a_signed_payload_lacking_a_claim_fails_as_claims() -> None:
    body = claims()
    del body["req"]
    assert reason(sign(body), now=NOW) == "claims"
    assert reason(sign(claims(ws="1")), now=NOW) == "claims"


# RFC 8785 section 3.2.2 (values) and 3.2.3 (sorting by UTF-16 code units), then this
# contract's own cases: big and small numbers, nesting, edits.
RFC_VALUES = json.loads(
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
    ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    ' "literals": [null, true, false]}')
RFC_SORT = json.loads(
    '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With'
    ' Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
    ' "\\u00f6": "Latin Small Letter O With Diaeresis"}')
VECTORS: list[tuple[Any, Any, str]] = [
    (None, None, '{"context":null,"edits":null}'),
    (RFC_VALUES, None, '{"context":{"literals":[null,true,false],"numbers":[333333333.3333333,'
     '1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"},"edits":null}'),
    (RFC_SORT, None, '{"context":{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
     '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face",'
     '"\ufb33":"Hebrew Letter Dalet With Dagesh"},"edits":null}'),
    ({"b": [1e21, 0.1, 1e-7, 10.0, -0.0, 2.0**53 + 2, 5e-324], "a": {"z": True, "A": None}},
     {}, '{"context":{"a":{"A":null,"z":true},"b":[1e+21,0.1,1e-7,10,0,9007199254740994,'
     '5e-324]},"edits":{}}'),
    (CONTEXT, EDITS, '{"context":{"amount":12.5,"body":"Hi Ann","to":"ann@example.com"},'
     '"edits":{"body":"Hi Ann, refunded."}}'),
]


@pytest.mark.parametrize(("context", "edits", "canonical"), VECTORS)
def test_the_request_hash_is_sha256_of_the_rfc8785_json(context: Any, edits: Any,
                                                       canonical: str) -> None:
    assert rfc8785.dumps({"context": context, "edits": edits}).decode() == canonical
    expected = b64(hashlib.sha256(canonical.encode()).digest())
    assert receipt_request_hash(context, edits) == expected


def test_an_integer_beyond_2_53_is_hashed_as_the_double_json_makes_of_it() -> None:
    # As the server (serde_json_canonicalizer) and JavaScript do; rfc8785 alone refuses it.
    with pytest.raises(rfc8785.IntegerDomainError):
        rfc8785.dumps(2**53 + 1)
    assert receipt_request_hash({"n": [2**53 + 1]}) == receipt_request_hash({"n": [2.0**53]})


def test_the_request_hash_is_pinned() -> None:
    # The same vector and value are pinned in the TypeScript client's tests.
    assert receipt_request_hash(CONTEXT, EDITS) == "1ArOeQZPdwM54WZGDwVve5ZZaSBP_Z23S9U6gUNlj1M"


def test_receipt_matches_checks_the_arguments_the_status_and_the_action() -> None:
    got = verify_receipt(sign(claims()), JWKS, now=NOW)
    assert receipt_matches(got, CONTEXT, EDITS, action="Email Ann", tool="send_email")
    assert receipt_matches(got, dict(reversed(list(CONTEXT.items()))), EDITS)  # key order
    assert not receipt_matches(got, {**CONTEXT, "amount": 13}, EDITS)
    assert not receipt_matches(got, CONTEXT, None)
    assert not receipt_matches(got, CONTEXT, EDITS, action="Email Bob")
    rejected = verify_receipt(sign(claims(status="rejected")), JWKS, now=NOW)
    assert not receipt_matches(rejected, CONTEXT, EDITS)
    assert receipt_matches(rejected, CONTEXT, EDITS, status=None)


def test_without_the_receipts_extra_the_error_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rfc8785", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.ed25519", None)
    with pytest.raises(ImportError, match=r"pip install holdpoint\[receipts\]"):
        receipt_request_hash(CONTEXT)
    with pytest.raises(ImportError, match=r"pip install holdpoint\[receipts\]"):
        verify_receipt(sign(claims()), JWKS, now=NOW)


def test_the_client_fetches_the_jwks_once_and_again_for_an_unknown_kid() -> None:
    served = [JWKS, {"keys": [public(OTHER), public(KEY)]}]
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=served[min(len(paths), 2) - 1])

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with Holdpoint("http://hp.test", "hitl_test_x", http=http) as hp:
        assert hp.verify_receipt(sign(claims()), now=NOW).sub == "w_7Kd2"
        assert hp.verify_receipt(sign(claims(sub="w_2")), now=NOW).sub == "w_2"
        assert paths == ["/.well-known/jwks.json"]
        rotated = sign(claims(), OTHER, kid=OTHER.thumbprint())
        assert hp.verify_receipt(rotated, now=NOW).kid == OTHER.thumbprint()
        assert len(paths) == 2
        assert hp.verify_receipt(sign(claims()), {"keys": [public(KEY)]}, now=NOW).ws == 1
        assert len(paths) == 2
