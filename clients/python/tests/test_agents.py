"""Heartbeats, checkpoints that block while a person has the agent paused, and the fleet."""

from __future__ import annotations

import threading

import pytest

from holdpoint import Cancelled, Forbidden, Holdpoint
from conftest import env, uid
from waiting import parked_waiters, until


def test_a_heartbeat_reports_and_reads_the_control(hp: Holdpoint, operator: Holdpoint,
                                                   agent_name: str) -> None:
    first = hp.heartbeat(state="acting", tool="send_email", progress=40)
    assert (first.control, first.messages) == ("running", [])
    operator.guide(agent_name, "Use the approved vendor list")
    second = hp.heartbeat(state="acting", progress=60)
    assert second.messages == ["Use the approved vendor list"]
    assert hp.heartbeat().messages == []  # the cursor moved on
    seen = operator.agent(agent_name)
    assert (seen["state"], seen["tool"], seen["progress"]) == ("acting", "send_email", 60)
    assert hp.control().control == "running"


def test_checkpoint_blocks_while_paused_and_returns_the_guidance(
        hp: Holdpoint, operator: Holdpoint, agent_name: str) -> None:
    hp.checkpoint(state="thinking")
    assert operator.pause_agent(agent_name)["control"] == "paused"
    got: list[list[str]] = []
    worker = threading.Thread(target=lambda: got.append(hp.checkpoint(state="acting")))
    waiting = parked_waiters(env("HOLDPOINT_URL"))
    worker.start()
    until(lambda: parked_waiters(env("HOLDPOINT_URL")) > waiting)
    assert worker.is_alive()  # blocked while paused
    operator.guide(agent_name, "Skip the EU customers")
    operator.resume_agent(agent_name)
    worker.join(timeout=30)
    assert not worker.is_alive() and got == [["Skip the EU customers"]]


def test_checkpoint_raises_cancelled_when_the_run_is_cancelled(
        operator: Holdpoint, agent_name: str) -> None:
    run = uid("run")
    with Holdpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_KEY"), agent=agent_name, run=run) as hp:
        assert hp.checkpoint(state="acting") == []
        operator.cancel_agent(agent_name)
        with pytest.raises(Cancelled) as e:
            hp.checkpoint(state="acting")
    assert (e.value.agent, e.value.run) == (agent_name, run)


def test_the_fleet_lists_stops_and_resumes_agents(hp: Holdpoint, operator: Holdpoint,
                                                  agent_name: str) -> None:
    hp.heartbeat(state="idle")
    assert agent_name in [a["name"] for a in operator.agents(q=agent_name)]
    assert operator.stop_all()["stopped"] is True
    assert hp.heartbeat().control == "paused"
    assert operator.resume_all()["stopped"] is False
    assert hp.heartbeat().control == "running"
    run = uid("run")
    hp.heartbeat(run=run)
    assert operator.cancel_run(run) is not None
    with pytest.raises(Forbidden) as e:  # deleting agents takes a live key with `admin`
        operator.delete_agent(agent_name)
    assert e.value.slug in ("live-key-required", "insufficient-scope")
