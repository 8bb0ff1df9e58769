"""Each example in examples/ runs as a subprocess against the server while this driver plays
the person with the decider key: approve, edit, reject, answer, pause, guide, resume, cancel."""

from __future__ import annotations

import os
import pathlib
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from holdpoint import Holdpoint
from conftest import env, uid
from waiting import parked_waiters, until

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


class Example:
    """A running example; its stdout is read line by line, each within 60 s."""

    def __init__(self, name: str, *args: str, agent: str | None = None):
        extra = {"HOLDPOINT_AGENT": agent} if agent else {}
        self.proc = subprocess.Popen(
            [sys.executable, str(EXAMPLES / name), *args], stdout=subprocess.PIPE, text=True,
            env={**os.environ, **extra})
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self) -> str:
        line = self.lines.get(timeout=60)
        assert line is not None, "the example ended early"
        return line

    def watch_id(self, waiting_for: str) -> str:
        line = self.line()
        assert line.startswith(f"waiting for {waiting_for}: "), line
        return line.split(": ")[1].split()[0]

    def rest(self) -> list[str]:
        assert self.proc.wait(timeout=60) == 0
        out = []
        while (line := self.lines.get(timeout=10)) is not None:
            out.append(line)
        return out


@pytest.fixture
def examples() -> Iterator[list[Example]]:
    running: list[Example] = []
    yield running
    for e in running:
        if e.proc.poll() is None:
            e.proc.kill()


def person(*args: str, key: str = "HOLDPOINT_DECIDER_KEY") -> None:
    """examples/human.py, as a newcomer runs it from the README."""
    subprocess.run([sys.executable, str(EXAMPLES / "human.py"), *args], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "HOLDPOINT_DECIDER_KEY": env(key)})


@pytest.mark.parametrize("verdict, printed", [
    (["approve"], "sent to ann@example.com: Hi Ann, we refunded order 1234."),
    (["approve", "--edit", "body=Hi Ann, your refund of $40 is on its way."],
     "sent to ann@example.com: Hi Ann, your refund of $40 is on its way."),
    (["reject", "Wrong customer"], "not sent: Wrong customer"),
])
def test_python_agent_sends_the_approved_or_edited_email_or_none(examples: list[Example], verdict: list[str], printed: str) -> None:
    run = Example("python_agent.py", agent=uid("mailer"))
    examples.append(run)
    watch_id = run.watch_id("approval")
    if verdict[0] == "reject":
        person("reject", watch_id, *verdict[1:])
    else:
        person("approve", watch_id, *verdict[1:])
    assert run.rest() == [printed]


def test_checkpoint_agent_waits_while_paused_and_follows_guidance(
        examples: list[Example], operator: Holdpoint) -> None:
    agent = uid("invoice-bot")
    operator.heartbeat(agent, state="idle")
    person("pause", agent, key="HOLDPOINT_TEST_ALL_KEY")
    person("guide", agent, "Skip invoice 3: it is disputed", key="HOLDPOINT_TEST_ALL_KEY")
    waiting = parked_waiters(env("HOLDPOINT_URL"))
    run = Example("checkpoint_agent.py", agent)
    examples.append(run)
    assert run.line() == "checking in before invoice 1"
    until(lambda: parked_waiters(env("HOLDPOINT_URL")) > waiting)  # blocked while paused
    person("resume", agent, key="HOLDPOINT_TEST_ALL_KEY")
    assert run.rest() == [
        "guidance: Skip invoice 3: it is disputed", "paid invoice 1",
        "checking in before invoice 2", "paid invoice 2",
        "checking in before invoice 3", "skipped invoice 3",
        "checking in before invoice 4", "paid invoice 4",
        "checking in before invoice 5", "paid invoice 5", "done"]


def test_checkpoint_agent_stops_when_its_run_is_cancelled(
        examples: list[Example], operator: Holdpoint) -> None:
    agent = uid("invoice-bot")
    operator.heartbeat(agent, state="idle")
    operator.pause_agent(agent)
    waiting = parked_waiters(env("HOLDPOINT_URL"))
    run = Example("checkpoint_agent.py", agent)
    examples.append(run)
    assert run.line() == "checking in before invoice 1"
    # Its run is known once its checkpoint is parked (a new run would lift an earlier cancel).
    until(lambda: parked_waiters(env("HOLDPOINT_URL")) > waiting)
    operator.cancel_agent(agent)
    assert run.rest() == ["cancelled: stopping"]


def test_langgraph_agent_resumes_with_the_answer_and_the_approval_edit_or_rejection(
        examples: list[Example], human: Holdpoint) -> None:
    # Three graphs at once (LangGraph takes seconds to import); each gets its own verdict.
    cases = [("eu", "approve", "refunded 55 USD on {order} from eu"),
             ("us", "edit", "refunded 40 USD on {order} from us"),
             ("eu", "reject", "no refund on {order}: rejected (Over the limit)")]
    orders = [uid("order") for _ in cases]
    runs = [Example("langgraph_agent.py", order, "55") for order in orders]
    examples.extend(runs)
    for run, order, (warehouse, verdict, _) in zip(runs, orders, cases):
        question = f"Which warehouse ships the replacement for {order}?"
        human.answer(run.watch_id("an answer"), {question: warehouse})
        watch_id = run.watch_id("approval")
        if verdict == "approve":
            human.approve(watch_id)
        elif verdict == "edit":
            human.approve(watch_id, edits={"amount": 40})
        else:
            human.reject(watch_id, "Over the limit")
    for run, order, (_, _, printed) in zip(runs, orders, cases):
        assert run.rest() == [printed.format(order=order)]
