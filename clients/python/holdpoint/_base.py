"""What the sync and async clients share: requests as data (`Spec`), the retry rule, and reading
answers and errors. Only the sending and the loops that wait differ between the two clients."""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from .errors import error_for

__version__ = "0.1.0"

#: Statuses worth another try when the request is safe to repeat.
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})


@dataclass(frozen=True)
class Spec:
    """One HTTP request. `idempotent`: safe to send again (a GET, a create carrying an
    Idempotency-Key, a heartbeat). `patient`: network failures are retried for as long as the
    client's `reconnect_for` (a server restart), not only `retries` times."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool = False
    patient: bool = False
    timeout: float = 30.0


@dataclass(frozen=True)
class Options:
    url: str
    key: str
    agent: str | None
    run: str | None
    retries: int
    reconnect_for: float
    max_retry_after: float
    poll_wait: int
    timeout: float

    @classmethod
    def build(cls, url: str | None, key: str | None, **rest: Any) -> Options:
        url = url or os.environ.get("HOLDPOINT_URL") or "http://127.0.0.1:8080"
        key = key or os.environ.get("HOLDPOINT_KEY")
        if not key:
            raise ValueError("no API key: pass key= or set HOLDPOINT_KEY")
        if not 0 <= rest["poll_wait"] <= 55:
            raise ValueError("poll_wait must be 0 to 55 seconds (the server's longest wait)")
        return cls(url=url.rstrip("/"), key=key, **rest)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "User-Agent": f"holdpoint-python/{__version__}"}


def seg(value: object) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")


def to_json(value: Any) -> bytes:
    """Serialised once, so a retried create sends the same bytes (the server replays only an
    identical body for the same Idempotency-Key)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def compact(**members: Any) -> dict[str, Any]:
    """The members that were given (None means: leave it out)."""
    return {k: v for k, v in members.items() if v is not None}


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, as a number or an HTTP date; None when absent or unreadable."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt: int) -> float:
    """0.25 s, 0.5 s, 1 s, 2 s, then 4 s, with ±20 % jitter so clients don't retry in step."""
    return min(4.0, 0.25 * 2.0 ** min(attempt, 8)) * random.uniform(0.8, 1.2)


def delay_before_retry(
    opts: Options, spec: Spec, attempt: int, failing_for: float, response: httpx.Response | None
) -> float | None:
    """How long to wait before sending `spec` again, or None to give up. `response` is None
    after a network failure. Only requests safe to repeat are retried; a `Retry-After` is
    honoured, unless it is longer than `max_retry_after` (a monthly quota) or missing on a 429
    (`too-many-pending`: time frees no slot)."""
    if not spec.idempotent:
        return None
    patient = spec.patient and failing_for < opts.reconnect_for
    if attempt >= opts.retries and not patient:
        return None
    if response is None:
        return backoff(attempt)
    if response.status_code not in RETRY_STATUSES:
        return None
    wait = retry_after(response)
    if wait is None:
        return None if response.status_code == 429 else backoff(attempt)
    return wait if wait <= opts.max_retry_after else None


def read(response: httpx.Response) -> Any:
    """The JSON body of a success, None for 204; raises the typed error for a refusal."""
    if response.status_code >= 400:
        raise error_for(response.status_code, problem_of(response), retry_after(response))
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {
        "type": "about:blank",
        "title": response.reason_phrase,
        "status": response.status_code,
        "detail": response.text[:500],
    }


def question(q: str | Mapping[str, Any]) -> dict[str, Any]:
    """A question as the API takes it; a plain string is a free-text question and options may
    be plain labels."""
    if isinstance(q, str):
        return {"question": q}
    out = dict(q)
    if "options" in out:
        out["options"] = [{"label": o} if isinstance(o, str) else dict(o) for o in out["options"]]
    return out


def checkpoint_report(
    state: str | None, tool: str | None, progress: int | None, run: str | None
) -> dict[str, Any]:
    return compact(state=state, tool=tool, progress=progress, run=run)

