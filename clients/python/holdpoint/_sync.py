"""`Holdpoint`: the client on `httpx.Client`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from . import _base
from ._api import Api
from ._base import Options, Spec
from .errors import Cancelled, Conflict, ConnectionFailed, InvalidReceipt, Rejected
from .models import FINAL, Control, Decision
from .receipts import ReceiptClaims, verify_receipt

Json = dict[str, Any]

#: How the client waits between tries (tests replace it to record the waits).
_sleep = time.sleep


class Holdpoint(Api[Json, list[Json], None]):
    """A Holdpoint client. `url` and `key` default to `HOLDPOINT_URL` and `HOLDPOINT_KEY`;
    `agent` and `run` name this agent for pauses and checkpoints. Requests safe to repeat are
    retried on network errors, 429 and 503 (honouring `Retry-After` up to `max_retry_after`
    seconds), `retries` times, and waits ride out a server that is down for `reconnect_for`."""

    def __init__(self, url: str | None = None, key: str | None = None, *,
                 agent: str | None = None, run: str | None = None, retries: int = 4,
                 reconnect_for: float = 300.0, max_retry_after: float = 60.0,
                 poll_wait: int = 30, timeout: float = 30.0,
                 http: httpx.Client | None = None):
        self.opts = Options.build(url, key, agent=agent, run=run, retries=retries,
                                  reconnect_for=reconnect_for, max_retry_after=max_retry_after,
                                  poll_wait=poll_wait, timeout=timeout)
        self._http = http or httpx.Client()
        self._owns_http = http is None  # a client passed in is the caller's to close
        self._cursors: dict[str, str] = {}
        self._jwks: Json | None = None  # the server's receipt keys, fetched once

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Holdpoint:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _send(self, spec: Spec) -> Any:
        attempt, first_failure = 0, None
        while True:
            response: httpx.Response | None = None
            try:
                response = self._http.request(
                    spec.method, self.opts.url + spec.path, params=spec.params,
                    content=spec.body, headers={**self.opts.headers(), **spec.headers},
                    timeout=spec.timeout)
            except httpx.TransportError as e:
                error: Exception = e
            else:
                if response.status_code not in _base.RETRY_STATUSES:
                    return _base.read(response)
            now = time.monotonic()
            first_failure = first_failure or now
            delay = _base.delay_before_retry(self.opts, spec, attempt, now - first_failure, response)
            if delay is None:
                if response is not None:
                    return _base.read(response)
                raise ConnectionFailed(f"{spec.method} {self.opts.url}{spec.path}: {error}") from error
            _sleep(delay)
            attempt += 1

    def _obj(self, spec: Spec) -> Json:
        result: Json = self._send(spec)
        return result

    def _items(self, spec: Spec) -> list[Json]:
        result: list[Json] = self._send(spec)["items"]
        return result

    def _none(self, spec: Spec) -> None:
        self._send(spec)

    # --- waiting for people ---------------------------------------------------------------------

    def request_approval(self, action: str, *, context: Any = None, risk: str | None = None,
                         tool: str | None = None, agent: str | None = None,
                         timeout: int | None = None, editable: Sequence[str] | None = None,
                         metadata: Mapping[str, str] | None = None, run: str | None = None,
                         wait_timeout: float | None = None,
                         on_created: Callable[[Json], object] | None = None,
                         **members: Any) -> Decision:
        """Asks a person to approve `action` and waits for the decision. `timeout` is the
        pause's `timeoutSeconds`; `wait_timeout` bounds this call (TimeoutError), None waits
        until the pause is final. The pause is created once (an Idempotency-Key), and the wait
        outlives restarts of the server."""
        body = _base.compact(
            action=action, context=context, risk=risk, tool=tool,
            agent=agent or self.opts.agent, run=run or self.opts.run, timeoutSeconds=timeout,
            editable=None if editable is None else list(editable),
            metadata=None if metadata is None else dict(metadata), **members)
        return self._create_and_wait(body, wait_timeout, on_created)

    def ask(self, questions: Sequence[str | Mapping[str, Any]], *, action: str | None = None,
            agent: str | None = None, timeout: int | None = None,
            wait_timeout: float | None = None,
            on_created: Callable[[Json], object] | None = None) -> dict[str, Any]:
        """Asks a person questions and returns the answers, keyed by question text. A plain
        string is a free-text question. Raises `Rejected` if nobody answered in time."""
        qs = [_base.question(q) for q in questions]
        body = _base.compact(action=action or qs[0]["question"][:1000], kind="question",
                             questions=qs, agent=agent or self.opts.agent, run=self.opts.run,
                             timeoutSeconds=timeout)
        decision = self._create_and_wait(body, wait_timeout, on_created)
        if decision.answers is None:
            raise Rejected(decision.reason or decision.status, decision)
        return decision.answers

    def submit_plan(self, plan: str, *, action: str = "Review the plan",
                    revises: str | None = None, agent: str | None = None,
                    timeout: int | None = None, wait_timeout: float | None = None,
                    on_created: Callable[[Json], object] | None = None) -> Decision:
        """Asks a person to review a Markdown plan: `approved`, or `changes_requested` with the
        feedback in `reason`. Send the next version with `revises=<previous watch_id>`."""
        body = _base.compact(action=action, kind="plan", plan=plan, revises=revises,
                             agent=agent or self.opts.agent, run=self.opts.run,
                             timeoutSeconds=timeout)
        return self._create_and_wait(body, wait_timeout, on_created)

    def wait_for(self, watch_id: str, *, wait_timeout: float | None = None) -> Decision:
        """Long-polls a pause until it is final (or `wait_timeout` passes: TimeoutError)."""
        deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
        while True:
            wait = self.opts.poll_wait
            if deadline is not None:  # whole seconds, at least one: never a busy loop
                wait = min(wait, max(1, math.ceil(deadline - time.monotonic())))
            pause: Json = self._send(self._wait_spec(watch_id, wait))
            if pause["status"] in FINAL:
                return Decision.from_pause(pause)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"pause {watch_id} is still {pause['status']}")

    def _create_and_wait(self, body: Json, wait_timeout: float | None,
                         on_created: Callable[[Json], object] | None) -> Decision:
        pause: Json = self._send(self._create_spec(body))
        if on_created:
            on_created(pause)
        if pause["status"] in FINAL:
            return Decision.from_pause(pause)
        return self.wait_for(pause["watchId"], wait_timeout=wait_timeout)

    # --- agent controls ---------------------------------------------------------------------------

    def heartbeat(self, agent: str | None = None, *, state: str | None = None,
                  tool: str | None = None, progress: int | None = None, run: str | None = None,
                  wait: int = 0) -> Control:
        """Reports what the agent does and reads its control and new guidance. The cursor is
        kept per agent, so each guidance message is read once."""
        name = self._agent_name(agent)
        report = _base.checkpoint_report(state, tool, progress, run or self.opts.run)
        body = self._send(self._heartbeat_spec(name, report, self._cursors.get(name), wait))
        return self._advance(name, body)

    def control(self, agent: str | None = None, *, wait: int = 0) -> Control:
        """Reads the agent's control and new guidance without reporting anything."""
        name = self._agent_name(agent)
        body = self._send(self._control_spec(name, self._cursors.get(name), wait))
        return self._advance(name, body)

    def checkpoint(self, agent: str | None = None, *, state: str | None = None,
                   tool: str | None = None, progress: int | None = None,
                   run: str | None = None) -> list[str]:
        """Call between steps: reports, blocks while a person has the agent paused, and returns
        the guidance sent since the last call. Raises `Cancelled` when its run was cancelled."""
        name, messages = self._agent_name(agent), []
        while True:
            try:
                c = self.heartbeat(name, state=state, tool=tool, progress=progress, run=run,
                                   wait=self.opts.poll_wait)
            except Conflict as e:  # a heartbeat's only 409: its run was cancelled
                raise Cancelled(name, run or self.opts.run) from e
            messages += c.messages
            if c.control == "cancelled":
                raise Cancelled(name, run or self.opts.run)
            if c.control == "running":
                return messages

    def _advance(self, name: str, body: Json) -> Control:
        control = Control.from_json(body)
        self._cursors[name] = control.cursor
        return control

    # --- decision receipts ------------------------------------------------------------------------

    def jwks(self, *, refresh: bool = False) -> Json:
        """The server's public receipt keys (`/.well-known/jwks.json`), fetched once per client."""
        jwks = self._jwks
        if jwks is None or refresh:
            jwks = self._jwks = self._obj(self._jwks_spec())
        return jwks

    def verify_receipt(self, receipt: str, jwks: Json | None = None, *,
                        now: float | None = None, issuer: str | None = None,
                        leeway: int = 0) -> ReceiptClaims:
        """`holdpoint.verify_receipt` with this server's keys when `jwks` is None: fetched once,
        and once more when the receipt names a key the cached set lacks (a rotation since)."""
        if jwks is not None:
            return verify_receipt(receipt, jwks, now=now, issuer=issuer, leeway=leeway)
        cached = self._jwks is not None
        try:
            return verify_receipt(receipt, self.jwks(), now=now, issuer=issuer, leeway=leeway)
        except InvalidReceipt as e:
            if not (cached and e.reason == "kid"):
                raise
        return verify_receipt(receipt, self.jwks(refresh=True), now=now, issuer=issuer,
                              leeway=leeway)
