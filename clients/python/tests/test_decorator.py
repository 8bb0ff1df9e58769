"""`@require_approval` on plain and async tools: approve runs the call, an edit changes its
arguments, a rejection raises `Rejected` and the tool never runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from holdpoint import AsyncHoldpoint, Holdpoint, Rejected, require_approval
from conftest import env

Decide = Callable[[dict[str, Any]], Any]


def email_tool(hp: Holdpoint, decide: Decide, sent: list[tuple[str, str]]) -> Callable[..., str]:
    @require_approval("Email {to}", client=hp, tool="send_email", risk="low", editable=["body"],
                      on_created=decide)
    def send_email(to: str, body: str = "Hello") -> str:
        sent.append((to, body))
        return f"sent to {to}"
    return send_email


def test_an_approved_call_runs_with_its_own_arguments(hp: Holdpoint, human: Holdpoint) -> None:
    sent: list[tuple[str, str]] = []
    pauses: list[dict[str, Any]] = []

    def decide(p: dict[str, Any]) -> None:
        pauses.append(p)
        human.approve(p["watchId"])

    assert email_tool(hp, decide, sent)("ann@example.com") == "sent to ann@example.com"
    assert sent == [("ann@example.com", "Hello")]
    p = pauses[0]
    assert (p["action"], p["tool"], p["risk"], p["editable"]) == \
        ("Email ann@example.com", "send_email", "low", ["body"])
    assert p["context"] == {"to": "ann@example.com", "body": "Hello"}


def test_an_edited_call_runs_with_the_persons_arguments(hp: Holdpoint, human: Holdpoint) -> None:
    sent: list[tuple[str, str]] = []
    tool = email_tool(hp, lambda p: human.approve(p["watchId"], edits={"body": "Refunded."}), sent)
    tool("ann@example.com", body="Hi")
    assert sent == [("ann@example.com", "Refunded.")]


def test_a_rejected_call_raises_rejected_and_never_runs(hp: Holdpoint, human: Holdpoint) -> None:
    sent: list[tuple[str, str]] = []
    tool = email_tool(hp, lambda p: human.reject(p["watchId"], "Wrong customer"), sent)
    with pytest.raises(Rejected) as e:
        tool("bob@example.com")
    assert e.value.reason == "Wrong customer" and e.value.decision.status == "rejected"
    assert sent == []


def test_a_cancelled_call_raises_rejected_with_the_status(hp: Holdpoint) -> None:
    @require_approval(client=hp, on_created=lambda p: hp.cancel_pause(p["watchId"]))
    def drop_table(name: str) -> None:
        raise AssertionError("never runs")

    with pytest.raises(Rejected) as e:
        drop_table("users")
    assert e.value.reason == "cancelled"
    assert e.value.decision.pause["action"] == 'drop_table(name="users")'


def test_an_async_tool_is_approved_edited_or_rejected() -> None:
    async def scenario() -> list[Any]:
        url = env("HOLDPOINT_URL")
        async with AsyncHoldpoint(url, env("HOLDPOINT_KEY")) as hp, \
                AsyncHoldpoint(url, env("HOLDPOINT_DECIDER_KEY")) as human:
            verdicts: list[Callable[[str], Any]] = [
                lambda w: human.approve(w),
                lambda w: human.approve(w, edits={"amount": 40}),
                lambda w: human.reject(w, "Over the limit"),
            ]
            created: asyncio.Queue[str] = asyncio.Queue()

            @require_approval(lambda a: f"Refund {a['amount']} USD", client=hp,
                              on_created=lambda p: created.put_nowait(p["watchId"]))
            async def refund(order: str, amount: int) -> str:
                return f"refunded {amount} on {order}"

            results: list[Any] = []
            for verdict in verdicts:
                call = asyncio.ensure_future(refund("o-1", 55))
                await verdict(await created.get())  # once the pause exists
                try:
                    results.append(await call)
                except Rejected as e:
                    results.append(e.reason)
            return results

    assert asyncio.run(scenario()) == ["refunded 55 on o-1", "refunded 40 on o-1", "Over the limit"]
