"""`AsyncHoldpoint`: the same surface, awaited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from holdpoint import AsyncHoldpoint, Cancelled, Decision, NotFound
from conftest import env, uid


def clients(agent: str | None = None, run: str | None = None) -> tuple[AsyncHoldpoint, ...]:
    url = env("HOLDPOINT_URL")
    return (AsyncHoldpoint(url, env("HOLDPOINT_KEY"), agent=agent, run=run),
            AsyncHoldpoint(url, env("HOLDPOINT_DECIDER_KEY")),
            AsyncHoldpoint(url, env("HOLDPOINT_TEST_ALL_KEY")))


def test_async_approval_question_and_plan_come_back_decided() -> None:
    async def scenario() -> tuple[Decision, dict[str, Any], Decision]:
        hp, human, _ = clients(uid("py-async"))
        async with hp, human:
            decided: list[asyncio.Task[Any]] = []
            approval = await hp.request_approval(
                "Deploy", context={"env": "prod", "tag": "v1"}, editable=["tag"],
                on_created=lambda p: decided.append(asyncio.ensure_future(
                    human.approve(p["watchId"], edits={"tag": "v2"}))))
            answers = await hp.ask([{"question": "Region?", "options": ["eu", "us"]}],
                                   on_created=lambda p: decided.append(asyncio.ensure_future(
                                       human.answer(p["watchId"], {"Region?": "us"}))))
            plan = await hp.submit_plan("1. Do it\n", on_created=lambda p: decided.append(
                asyncio.ensure_future(human.reject(p["watchId"], "Add a rollback"))))
            await asyncio.gather(*decided)
            return approval, answers, plan

    approval, answers, plan = asyncio.run(scenario())
    assert approval.approved and approval.edits == {"tag": "v2"}
    assert answers == {"Region?": "us"}
    assert (plan.status, plan.reason) == ("changes_requested", "Add a rollback")


def test_async_checkpoint_blocks_while_paused_then_returns_guidance() -> None:
    name, run = uid("py-async"), uid("run")

    async def scenario() -> tuple[list[str], bool]:
        hp, _, operator = clients(name, run)
        async with hp, operator:
            await hp.checkpoint(state="thinking")
            await operator.pause_agent(name)
            blocked = asyncio.ensure_future(hp.checkpoint(state="acting"))
            await operator.guide(name, "Only invoices under 100")
            await operator.resume_agent(name)
            got = await asyncio.wait_for(blocked, 30)
            await operator.cancel_agent(name)
            try:
                await hp.checkpoint()
            except Cancelled:
                return got, True
            return got, False

    got, cancelled = asyncio.run(scenario())
    assert got == ["Only invoices under 100"] and cancelled


def test_async_fleet_admin_and_errors_work_alike() -> None:
    async def scenario() -> None:
        hp, _, operator = clients(uid("py-async"))
        admin = AsyncHoldpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_SCRATCH_ADMIN_KEY"))
        async with hp, operator, admin:
            control = await hp.heartbeat(state="idle")
            assert control.control == "running"
            assert hp.opts.agent in [a["name"] for a in await operator.agents(q=hp.opts.agent)]
            pause = await hp.create_pause("Wait")
            assert pause["watchId"] in [p["watchId"] for p in await operator.list_pending(limit=200)]
            assert (await hp.cancel_pause(pause["watchId"]))["status"] == "cancelled"
            assert isinstance(await admin.keys(), list) and isinstance(await admin.rules(), list)
            with pytest.raises(NotFound):
                await hp.get_pause("01a20244-1024-71a8-b3a1-7a884a6fe8a9")

    asyncio.run(scenario())
