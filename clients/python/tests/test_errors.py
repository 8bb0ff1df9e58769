"""Refusals arrive as typed errors carrying the server's RFC 9457 problem."""

from __future__ import annotations

import pytest

from holdpoint import (Forbidden, Holdpoint, HoldpointError, NotFound, Unauthorized,
                       ValidationFailed)
from conftest import env


def test_an_unknown_pause_is_not_found_with_its_problem(hp: Holdpoint) -> None:
    with pytest.raises(NotFound) as e:
        hp.get_pause("01a20244-1024-71a8-b3a1-7a884a6fe8a9")
    err = e.value
    assert (err.status, err.type, err.title) == (404, "/problems/not-found", "Not found")
    assert err.detail and err.problem["status"] == 404
    assert isinstance(err, HoldpointError)


def test_a_key_without_the_scope_is_forbidden_and_names_the_scope(human: Holdpoint) -> None:
    with pytest.raises(Forbidden) as e:
        human.create_pause("Deciders do not ask")
    assert e.value.slug == "insufficient-scope" and e.value.problem["scope"] == "pauses"


def test_a_bad_timeout_is_a_validation_failure_naming_the_field(hp: Holdpoint) -> None:
    with pytest.raises(ValidationFailed) as e:
        hp.request_approval("Too quick", timeout=5)
    assert (e.value.status, e.value.field) == (422, "timeoutSeconds")


def test_a_wrong_key_is_unauthorized() -> None:
    with Holdpoint(env("HOLDPOINT_URL"), "hitl_test_not_a_real_key") as bad:
        with pytest.raises(Unauthorized) as e:
            bad.list_pending()
    assert e.value.status == 401


def test_url_and_key_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLDPOINT_KEY", env("HOLDPOINT_TEST_ALL_KEY"))
    with Holdpoint() as from_env:
        assert from_env.opts.url == env("HOLDPOINT_URL").rstrip("/")
        assert isinstance(from_env.list_pending(limit=1), list)
    monkeypatch.delenv("HOLDPOINT_KEY")
    with pytest.raises(ValueError):
        Holdpoint()
