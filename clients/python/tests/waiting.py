"""Waiting for a state of the server, never for a length of time."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest


def parked_waiters(url: str) -> int:
    """Long-polls parked on the server (its /metrics): tells that a wait is in flight."""
    text = httpx.get(url + "/metrics").text
    return next(int(float(line.split()[-1])) for line in text.splitlines()
                if line.startswith("holdpoint_longpoll_waiters"))


def until(condition: Callable[[], bool]) -> None:
    """Polls a condition of the server, for at most 10 s."""
    for _ in range(500):
        if condition():
            return
        threading.Event().wait(0.02)
    pytest.fail("the condition never held")
