"""A wait outlives the server: `request_approval` is long-polling when the server is killed
(SIGKILL), and returns the decision a person makes once it is back on the same port and data."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import holdpoint._sync
from holdpoint import Decision, Holdpoint
from ownserver import OwnServer
from waiting import parked_waiters, until


def test_request_approval_survives_a_killed_and_restarted_server(
        own_server: OwnServer, monkeypatch: pytest.MonkeyPatch) -> None:
    retries: list[float] = []

    def sleep(seconds: float) -> None:
        retries.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(holdpoint._sync, "_sleep", sleep)
    created = threading.Event()
    watch_ids: list[str] = []
    result: list[Decision | BaseException] = []

    def on_created(pause: dict[str, Any]) -> None:
        watch_ids.append(pause["watchId"])
        created.set()

    def agent() -> None:
        with Holdpoint(own_server.url, own_server.keys["agent"], agent="restart-bot") as hp:
            try:
                result.append(hp.request_approval(
                    "Deploy build 4821", context={"service": "billing"},
                    on_created=on_created))
            except BaseException as e:  # noqa: BLE001 (reported below)
                result.append(e)

    worker = threading.Thread(target=agent)
    worker.start()
    assert created.wait(30)
    until(lambda: parked_waiters(own_server.url) >= 1)  # the long-poll is in flight
    own_server.kill()
    own_server.start()
    with Holdpoint(own_server.url, own_server.keys["agent"]) as reader:
        assert reader.get_pause(watch_ids[0])["status"] == "pending"  # kept across the crash
    with Holdpoint(own_server.url, own_server.keys["decider"]) as human:
        human.approve(watch_ids[0], "Fine after the restart")
    worker.join(timeout=60)
    assert not worker.is_alive()
    decision = result[0]
    assert isinstance(decision, Decision), decision
    assert (decision.status, decision.reason) == ("approved", "Fine after the restart")
    assert decision.watch_id == watch_ids[0]
    assert retries  # the wait did lose the server, and retried
