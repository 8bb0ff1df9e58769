"""Retries, against a scripted server on 127.0.0.1: only requests safe to repeat are sent
again, after the `Retry-After` the server asked for (the client's wait is recorded, not slept),
and a retried create carries the same Idempotency-Key and body."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import holdpoint._async
import holdpoint._sync
from holdpoint import AsyncHoldpoint, ConnectionFailed, Holdpoint, RateLimited, Unavailable

PAUSE = {"watchId": "w1", "status": "approved", "reason": "ok", "decidedBy": None,
         "policy": None}
Answer = tuple[int | None, dict[str, str], Any]  # status, headers, JSON body (None: drop the connection)


class Scripted(http.server.BaseHTTPRequestHandler):
    script: list[Answer] = []
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                          self.rfile.read(length)))
        status, headers, body = self.script.pop(0)
        if status is None:
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all: a network failure
            return
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in {"content-type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake() -> Iterator[tuple[str, list[float]]]:
    Scripted.script, Scripted.seen = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", []
    server.shutdown()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []

    async def asleep(s: float) -> None:
        recorded.append(s)

    monkeypatch.setattr(holdpoint._sync, "_sleep", recorded.append)
    monkeypatch.setattr(holdpoint._async, "_sleep", asleep)
    return recorded


def problem(status: int) -> dict[str, Any]:
    return {"type": "/problems/x", "title": "X", "status": status, "detail": "try later"}


def test_a_get_is_retried_after_the_retry_after_of_a_503(fake: Any, waits: list[float]) -> None:
    Scripted.script = [(503, {"retry-after": "7"}, problem(503)), (200, {}, PAUSE)]
    with Holdpoint(fake[0], "hitl_test_x") as hp:
        assert hp.get_pause("w1")["status"] == "approved"
    assert waits == [7.0] and len(Scripted.seen) == 2


def test_a_retried_create_sends_the_same_idempotency_key_and_body(
        fake: Any, waits: list[float]) -> None:
    Scripted.script = [(429, {"retry-after": "2"}, problem(429)), (None, {}, None),
                       (201, {}, PAUSE)]
    with Holdpoint(fake[0], "hitl_test_x") as hp:
        decision = hp.request_approval("Deploy", context={"a": 1})
    assert decision.approved and waits[0] == 2.0 and len(waits) == 2
    keys = {s[2]["idempotency-key"] for s in Scripted.seen}
    bodies = {s[3] for s in Scripted.seen}
    assert len(Scripted.seen) == 3 and len(keys) == 1 and len(bodies) == 1


def test_a_decision_is_never_sent_twice(fake: Any, waits: list[float]) -> None:
    Scripted.script = [(503, {"retry-after": "1"}, problem(503))]
    with Holdpoint(fake[0], "hitl_test_x") as hp, pytest.raises(Unavailable) as e:
        hp.approve("w1")
    assert (e.value.status, e.value.retry_after, waits, len(Scripted.seen)) == (503, 1.0, [], 1)


def test_a_429_without_retry_after_or_with_a_long_one_is_raised(fake: Any, waits: list[float]) -> None:
    Scripted.script = [(429, {}, problem(429)), (429, {"retry-after": "86400"}, problem(429))]
    with Holdpoint(fake[0], "hitl_test_x") as hp:
        for _ in range(2):
            with pytest.raises(RateLimited):
                hp.get_pause("w1")
    assert waits == [] and len(Scripted.seen) == 2


def test_retries_are_bounded(fake: Any, waits: list[float]) -> None:
    Scripted.script = [(503, {}, problem(503))] * 3
    with Holdpoint(fake[0], "hitl_test_x", retries=2) as hp, pytest.raises(Unavailable):
        hp.get_pause("w1")
    assert len(waits) == 2 and len(Scripted.seen) == 3


def test_an_unreachable_server_is_a_connection_failure(fake: Any, waits: list[float]) -> None:
    with Holdpoint("http://127.0.0.1:9", "hitl_test_x", retries=1) as hp:
        with pytest.raises(ConnectionFailed):
            hp.approve("w1")
        with pytest.raises(ConnectionFailed):
            hp.get_pause("w1")
    assert len(waits) == 1  # the GET once, the decision never


def test_the_async_client_retries_alike(fake: Any, waits: list[float]) -> None:
    Scripted.script = [(503, {"retry-after": "5"}, problem(503)), (None, {}, None),
                       (200, {}, PAUSE)]

    async def get() -> dict[str, Any]:
        async with AsyncHoldpoint(fake[0], "hitl_test_x") as hp:
            return await hp.get_pause("w1")

    assert asyncio.run(get())["status"] == "approved"
    assert waits[0] == 5.0 and len(waits) == 2 and len(Scripted.seen) == 3
