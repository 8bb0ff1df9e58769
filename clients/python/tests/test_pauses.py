"""The agent's pauses and the decider's side, against the real server. The person decides in
`on_created`, which runs once the pause exists, so no test waits for time."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from holdpoint import Conflict, Decision, Holdpoint, Rejected


def test_request_approval_returns_the_approval_with_who_decided_and_the_policy(
        hp: Holdpoint, human: Holdpoint, agent_name: str) -> None:
    decision = hp.request_approval(
        "Deploy build 4821", context={"service": "billing"}, risk="medium", tool="deploy",
        timeout=600, on_created=lambda p: human.approve(p["watchId"], "Diff reviewed"))
    assert isinstance(decision, Decision)
    assert (decision.status, decision.approved, decision.reason) == ("approved", True, "Diff reviewed")
    assert decision.decided_by is not None and decision.decided_by["type"] == "key"
    assert decision.policy is not None and decision.policy["result"] == "wait"
    assert decision.pause["watchId"] == decision.watch_id
    assert (decision.pause["agent"], decision.pause["tool"], decision.pause["risk"]) == \
        (agent_name, "deploy", "medium")
    assert decision.edits == {}


def test_a_rejection_comes_back_with_its_reason_and_option(hp: Holdpoint, human: Holdpoint) -> None:
    decision = hp.request_approval(
        "Email the customer",
        rejectOptions=[{"name": "tone", "title": "Tone is off"}],
        on_created=lambda p: human.reject(p["watchId"], "Too casual", reject_option="tone"))
    assert (decision.status, decision.approved) == ("rejected", False)
    assert (decision.reason, decision.reject_option) == ("Too casual", "tone")


def test_the_persons_edits_come_back_beside_the_context(hp: Holdpoint, human: Holdpoint) -> None:
    decision = hp.request_approval(
        "Email the customer", context={"to": "ann@example.com", "body": "Hi Ann"},
        editable=["body"],
        on_created=lambda p: human.approve(p["watchId"], edits={"body": "Hi Ann, refunded."}))
    assert decision.approved
    assert decision.edits == {"body": "Hi Ann, refunded."}
    assert decision.pause["context"] == {"to": "ann@example.com", "body": "Hi Ann"}


def test_ask_returns_the_answers_by_question(hp: Holdpoint, human: Holdpoint) -> None:
    questions: list[Any] = [
        {"question": "Which region first?", "options": ["eu", "us"]},
        {"question": "Which nights?", "options": ["Mon", "Tue"], "multiSelect": True},
        "Anything the on-call should know?",
    ]
    answers = {"Which region first?": "eu", "Which nights?": ["Tue"],
               "Anything the on-call should know?": "Page me"}
    got = hp.ask(questions, on_created=lambda p: human.answer(p["watchId"], answers))
    assert got == answers


def test_ask_raises_rejected_when_the_question_is_cancelled(hp: Holdpoint) -> None:
    with pytest.raises(Rejected) as e:
        hp.ask(["Which colour?"], on_created=lambda p: hp.cancel_pause(p["watchId"]))
    assert e.value.reason == "cancelled"


def test_a_plan_sent_back_then_revised_and_approved(hp: Holdpoint, human: Holdpoint) -> None:
    first = hp.submit_plan("1. Migrate\n", on_created=lambda p: human.reject(
        p["watchId"], "Take a snapshot first"))
    assert (first.status, first.reason) == ("changes_requested", "Take a snapshot first")
    second = hp.submit_plan("1. Snapshot\n2. Migrate\n", revises=first.watch_id,
                            on_created=lambda p: human.approve(p["watchId"]))
    assert second.approved and second.pause["revises"] == first.watch_id


def test_wait_timeout_bounds_the_wait_on_a_pending_pause(hp: Holdpoint) -> None:
    pause = hp.create_pause("Nobody decides this")
    with pytest.raises(TimeoutError):
        hp.wait_for(pause["watchId"], wait_timeout=1)
    assert hp.get_pause(pause["watchId"])["status"] == "pending"


def test_the_same_idempotency_key_creates_one_pause(hp: Holdpoint) -> None:
    key = f"py-once-{uuid.uuid4()}"
    a = hp.create_pause("Rotate the password", idempotency_key=key)
    b = hp.create_pause("Rotate the password", idempotency_key=key)
    assert a["watchId"] == b["watchId"]


def test_a_pause_is_cancelled_and_an_outcome_is_reported(hp: Holdpoint, human: Holdpoint) -> None:
    cancelled = hp.cancel_pause(hp.create_pause("Email the customer")["watchId"])
    assert cancelled["status"] == "cancelled"
    decision = hp.request_approval("Send invoice",
                                   on_created=lambda p: human.approve(p["watchId"]))
    reported = hp.report_outcome(decision.watch_id, "executed", "sent as msg 8812")
    assert reported["outcome"]["status"] == "executed"


def test_a_late_decision_is_a_conflict_carrying_the_pause(hp: Holdpoint, human: Holdpoint) -> None:
    decision = hp.request_approval("Pay invoice 118",
                                   on_created=lambda p: human.approve(p["watchId"]))
    with pytest.raises(Conflict) as e:
        human.reject(decision.watch_id, "too late")
    assert e.value.status == 409 and e.value.slug == "conflict"
    assert e.value.current is not None and e.value.current["status"] == "approved"


def test_list_pending_lists_a_waiting_pause(hp: Holdpoint, operator: Holdpoint) -> None:
    pause = hp.create_pause("Wait in the queue")
    assert pause["watchId"] in [p["watchId"] for p in operator.list_pending(limit=200)]
    assert pause["watchId"] in [p["watchId"] for p in operator.list_pauses("pending")]
