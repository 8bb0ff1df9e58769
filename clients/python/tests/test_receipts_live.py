"""Receipts from the real server: a decided pause's `receipt` verifies with the keys the client
fetches, its `req` is the one recomputed from the pause's context and edits, and an independent
JOSE library (joserfc) agrees on the signature and on the key's RFC 7638 thumbprint."""

from __future__ import annotations

import asyncio
import json
import time
import warnings

from joserfc import jws
from joserfc.jwk import OKPKey

from conftest import env, uid
from holdpoint import (
    AsyncHoldpoint,
    Holdpoint,
    ReceiptClaims,
    receipt_matches,
    receipt_request_hash,
)


def test_an_approval_with_edits_carries_a_receipt_for_exactly_those_arguments(
        hp: Holdpoint, human: Holdpoint) -> None:
    context = {"to": "ann@example.com", "body": "Hi Ann", "amount": 12.5, "tags": ["vip"]}
    decision = hp.request_approval(
        "Email the customer", context=context, editable=["body"], tool="send_email",
        on_created=lambda p: human.approve(p["watchId"], edits={"body": "Hi Ann, refunded."}))
    pause = decision.pause
    claims = hp.verify_receipt(pause["receipt"], issuer=env("HOLDPOINT_URL"))
    assert isinstance(claims, ReceiptClaims)
    assert (claims.sub, claims.status, claims.action, claims.tool) == \
        (decision.watch_id, "approved", "Email the customer", "send_email")
    assert claims.decided_by == pause["decidedBy"]
    assert claims.exp - claims.iat == 900  # the default receiptTtlSeconds
    assert abs(claims.iat - time.time()) < 120
    assert claims.req == receipt_request_hash(pause["context"], pause.get("edits"))
    assert receipt_matches(claims, context, {"body": "Hi Ann, refunded."},
                           action="Email the customer", tool="send_email")
    assert not receipt_matches(claims, context, None)
    assert not receipt_matches(claims, {**context, "amount": 1250}, pause.get("edits"))


def test_the_published_key_verifies_with_an_independent_jose_library(
        hp: Holdpoint, human: Holdpoint) -> None:
    decision = hp.request_approval("Rotate the password", context={"user": "ci"},
                                   on_created=lambda p: human.approve(p["watchId"]))
    jwks = hp.jwks(refresh=True)
    signing = jwks["keys"][0]
    assert (signing["kty"], signing["crv"], signing["alg"], signing["use"]) == \
        ("OKP", "Ed25519", "EdDSA", "sig")
    key = OKPKey.import_key({k: signing[k] for k in ("kty", "crv", "x")})
    assert key.thumbprint() == signing["kid"]
    with warnings.catch_warnings():  # joserfc: RFC 9864 prefers "Ed25519" to "EdDSA"
        warnings.simplefilter("ignore")
        token = jws.deserialize_compact(decision.pause["receipt"], key, algorithms=["EdDSA"])
    assert token.protected == {"alg": "EdDSA", "kid": signing["kid"]}
    assert hp.verify_receipt(decision.pause["receipt"]).claims == json.loads(token.payload)


def test_a_rejection_is_receipted_but_does_not_match_an_approval_and_pending_has_none(
        hp: Holdpoint, human: Holdpoint, operator: Holdpoint) -> None:
    pending = hp.create_pause("Nobody decides this yet", context={"n": 1})
    assert pending["receipt"] is None
    decision = hp.request_approval("Drop the table", context={"table": "users"},
                                   on_created=lambda p: human.reject(p["watchId"], "No"))
    claims = hp.verify_receipt(decision.pause["receipt"])
    assert (claims.status, claims.sub) == ("rejected", decision.watch_id)
    assert claims.req == receipt_request_hash({"table": "users"}, None)
    assert not receipt_matches(claims, {"table": "users"})
    assert receipt_matches(claims, {"table": "users"}, status="rejected")
    again = operator.get_pause(decision.watch_id)
    assert again["receipt"] == decision.pause["receipt"]  # made once, stored


def test_the_async_client_verifies_a_receipt_with_the_keys_it_fetches() -> None:
    async def scenario() -> tuple[ReceiptClaims, str]:
        url = env("HOLDPOINT_URL")
        async with AsyncHoldpoint(url, env("HOLDPOINT_KEY"), agent=uid("py-rcpt")) as hp, \
                AsyncHoldpoint(url, env("HOLDPOINT_DECIDER_KEY")) as human:
            pause = await hp.create_pause("Deploy v2.4.1", context={"commit": "a3f9b2e"})
            await human.approve(pause["watchId"])
            decision = await hp.wait_for(pause["watchId"])
            return await hp.verify_receipt(decision.pause["receipt"]), pause["watchId"]

    claims, watch_id = asyncio.run(scenario())
    assert (claims.sub, claims.status) == (watch_id, "approved")
    assert receipt_matches(claims, {"commit": "a3f9b2e"}, action="Deploy v2.4.1")


def test_the_server_and_the_client_hash_numbers_and_unicode_alike(
        hp: Holdpoint, human: Holdpoint) -> None:
    context = {"big": 1e21, "small": 1e-7, "tenth": 0.1, "whole": 10.0, "huge": 2**64 + 1,
               "text": "é€😀\uff01\u0001\n", "\uff01": 1, "😀": 2, "nested": {"b": [1, {"d": None,
               "c": True}], "a": []}}
    decision = hp.request_approval("Hash these", context=context,
                                   on_created=lambda p: human.approve(p["watchId"]))
    claims = hp.verify_receipt(decision.pause["receipt"])
    assert receipt_matches(claims, context, action="Hash these")
