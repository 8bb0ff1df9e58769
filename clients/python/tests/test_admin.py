"""The workspace by API with a live `admin` key: rules, webhooks and keys."""

from __future__ import annotations

import pytest

from holdpoint import Holdpoint, NotFound, Unauthorized
from conftest import env, uid


def test_rules_are_created_listed_changed_and_deleted(admin: Holdpoint) -> None:
    name = uid("small-refunds")
    rule = admin.create_rule({"name": name, "effect": "allow", "maxRisk": "medium",
                              "match": {"tool": "refund_*"}})
    assert rule["name"] == name and rule["id"] in [r["id"] for r in admin.rules()]
    assert admin.update_rule(rule["id"], {"enabled": False})["enabled"] is False
    assert admin.rule(rule["id"])["enabled"] is False
    admin.delete_rule(rule["id"])
    with pytest.raises(NotFound):
        admin.rule(rule["id"])


def test_webhooks_are_created_with_their_secret_then_tested_changed_and_deleted(
        admin: Holdpoint) -> None:
    hook = admin.create_webhook("https://hooks.example.com/holdpoint", ["pause.created"],
                                test_events=True)
    assert hook["secret"].startswith("whsec_") and hook["testEvents"] is True
    assert "secret" not in admin.webhook(hook["id"])
    assert hook["id"] in [w["id"] for w in admin.webhooks()]
    assert admin.test_webhook(hook["id"])["deliveryId"].startswith("msg_")
    changed = admin.update_webhook(hook["id"], {"events": ["pause.approved"], "enabled": False})
    assert (changed["events"], changed["enabled"]) == (["pause.approved"], False)
    admin.delete_webhook(hook["id"])
    with pytest.raises(NotFound):
        admin.webhook(hook["id"])


def test_keys_are_made_shown_once_renamed_and_revoked(admin: Holdpoint) -> None:
    made = admin.create_key(uid("backend"), ["admin"])
    assert made["key"].startswith("hitl_live_") and made["scopes"] == ["admin"]
    assert "key" not in admin.key(made["id"])
    assert made["id"] in [k["id"] for k in admin.keys()]
    assert admin.update_key(made["id"], {"name": "renamed"})["name"] == "renamed"
    with Holdpoint(env("HOLDPOINT_URL"), made["key"]) as new:
        assert isinstance(new.keys(), list)
        admin.delete_key(made["id"])
        with pytest.raises(Unauthorized):
            new.keys()


def test_any_other_endpoint_through_request(admin: Holdpoint) -> None:
    page = admin.request("GET", "/api/audit", params={"limit": 1})
    assert page["limit"] == 1 and isinstance(page["items"], list)
