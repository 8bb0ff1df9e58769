"""Every endpoint that is one request, written once for both clients: a method builds a `Spec`
and hands it to `_obj`, `_items` or `_none`, which the sync client answers with the value and
the async one with an awaitable of it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from ._base import Options, Spec, compact, seg, to_json

O = TypeVar("O")  # one JSON object (sync) or an awaitable of it (async)
L = TypeVar("L")  # a list of JSON objects, or an awaitable of it
N = TypeVar("N")  # nothing (204), or an awaitable of nothing


class Api(Generic[O, L, N]):
    """Every endpoint that is a single request. Subclasses say how a `Spec` is sent."""

    opts: Options

    def _obj(self, spec: Spec) -> O:
        raise NotImplementedError

    def _items(self, spec: Spec) -> L:
        raise NotImplementedError

    def _none(self, spec: Spec) -> N:
        raise NotImplementedError

    # --- requests used by the waiting loops -------------------------------------------------

    def _create_spec(self, body: Mapping[str, Any], idempotency_key: str | None = None) -> Spec:
        key = idempotency_key or f"py-{uuid.uuid4()}"
        return Spec("POST", "/api/pause", body=to_json(body), idempotent=True, patient=True,
                    headers={"Idempotency-Key": key, "Content-Type": "application/json"})

    def _wait_spec(self, watch_id: str, wait: int) -> Spec:
        return Spec("GET", f"/api/pause/{seg(watch_id)}", params={"wait": str(wait)},
                    idempotent=True, patient=True, timeout=wait + self.opts.timeout)

    def _heartbeat_spec(self, agent: str, report: Mapping[str, Any], after: str | None,
                        wait: int) -> Spec:
        # A heartbeat is a report of state: sending it twice records it once.
        params = compact(after=after, wait=str(wait) if wait else None)
        return Spec("POST", f"/api/agents/{seg(agent)}/heartbeat", params=params,
                    body=to_json(dict(report)), headers={"Content-Type": "application/json"},
                    idempotent=True, patient=True, timeout=wait + self.opts.timeout)

    def _control_spec(self, agent: str, after: str | None, wait: int) -> Spec:
        params = compact(after=after, wait=str(wait) if wait else None)
        return Spec("GET", f"/api/agents/{seg(agent)}/control", params=params, idempotent=True,
                    patient=True, timeout=wait + self.opts.timeout)

    @staticmethod
    def _jwks_spec() -> Spec:
        return Spec("GET", "/.well-known/jwks.json", idempotent=True)

    def _agent_name(self, agent: str | None) -> str:
        name = agent or self.opts.agent
        if not name:
            raise ValueError("no agent: pass agent= here or to the client")
        return name

    @staticmethod
    def _post(path: str, body: Any = None) -> Spec:
        data = None if body is None else to_json(body)
        headers = {} if body is None else {"Content-Type": "application/json"}
        return Spec("POST", path, body=data, headers=headers)

    @staticmethod
    def _patch(path: str, body: Any) -> Spec:
        return Spec("PATCH", path, body=to_json(body), headers={"Content-Type": "application/json"})

    @staticmethod
    def _get(path: str, **params: Any) -> Spec:
        query = {k: str(v) for k, v in params.items() if v is not None}
        return Spec("GET", path, params=query or None, idempotent=True)

    # --- pauses, one request each ---------------------------------------------------------------

    def create_pause(self, action: str, *, idempotency_key: str | None = None,
                     **members: Any) -> O:
        """`POST /api/pause` without waiting. `members` are the API's own (camelCase) members:
        `context`, `kind`, `timeoutSeconds`, `editable`, `questions`, …"""
        return self._obj(self._create_spec(compact(action=action, **members), idempotency_key))

    def get_pause(self, watch_id: str) -> O:
        return self._obj(self._get(f"/api/pause/{seg(watch_id)}"))

    def cancel_pause(self, watch_id: str) -> O:
        return self._obj(self._post(f"/api/pause/{seg(watch_id)}/cancel"))

    def report_outcome(self, watch_id: str, status: str, detail: str | None = None) -> O:
        """What the agent did after the decision: `executed`, `failed` or `skipped`."""
        body = compact(status=status, detail=detail)
        return self._obj(self._post(f"/api/pause/{seg(watch_id)}/outcome", body))

    # --- the decider's side (a key with `decide`) -----------------------------------------------

    def approve(self, watch_id: str, reason: str | None = None, *,
                edits: Mapping[str, Any] | None = None,
                remember: Mapping[str, Any] | None = None) -> O:
        body = compact(approved=True, reason=reason, edits=edits, remember=remember)
        return self._obj(self._post(f"/api/pause/{seg(watch_id)}/approve", body))

    def reject(self, watch_id: str, reason: str | None = None, *,
               reject_option: str | None = None) -> O:
        """Rejects an approval; on a plan this requests changes (`reason` is then required)."""
        body = compact(approved=False, reason=reason, rejectOption=reject_option)
        return self._obj(self._post(f"/api/pause/{seg(watch_id)}/approve", body))

    def answer(self, watch_id: str, answers: Mapping[str, str | Sequence[str]]) -> O:
        body = {"answers": {k: v if isinstance(v, str) else list(v) for k, v in answers.items()}}
        return self._obj(self._post(f"/api/pause/{seg(watch_id)}/answer", body))

    def list_pauses(self, status: str | None = None, *, limit: int = 50, offset: int = 0) -> L:
        """Pauses newest first (needs `pauses`, or a session)."""
        return self._items(self._get("/api/pause", status=status, limit=limit, offset=offset))

    def list_pending(self, *, limit: int = 50, offset: int = 0) -> L:
        return self.list_pauses("pending", limit=limit, offset=offset)

    # --- the fleet (reading: `pauses` or `agents`; controlling: `agents`) -----------------------

    def agents(self, *, state: str | None = None, control: str | None = None,
               q: str | None = None, limit: int = 50, offset: int = 0) -> L:
        return self._items(self._get("/api/agents", state=state, control=control, q=q,
                                     limit=limit, offset=offset))

    def agent(self, name: str) -> O:
        return self._obj(self._get(f"/api/agents/{seg(name)}"))

    def pause_agent(self, name: str) -> O:
        return self._obj(self._post(f"/api/agents/{seg(name)}/pause"))

    def resume_agent(self, name: str) -> O:
        return self._obj(self._post(f"/api/agents/{seg(name)}/resume"))

    def cancel_agent(self, name: str) -> O:
        """Ends the agent's current run: its pending pauses are cancelled."""
        return self._obj(self._post(f"/api/agents/{seg(name)}/cancel"))

    def guide(self, name: str, message: str) -> O:
        return self._obj(self._post(f"/api/agents/{seg(name)}/guide", {"message": message}))

    def stop_all(self) -> O:
        """The emergency stop: every agent of the key's mode reads `paused`."""
        return self._obj(self._post("/api/agents/stop-all"))

    def resume_all(self) -> O:
        return self._obj(self._post("/api/agents/resume-all"))

    def cancel_run(self, run: str) -> O:
        return self._obj(self._post(f"/api/runs/{seg(run)}/cancel"))

    def delete_agent(self, name: str) -> N:
        return self._none(Spec("DELETE", f"/api/agents/{seg(name)}"))

    # --- the workspace (a live key with `admin`) ------------------------------------------------

    def rules(self) -> L:
        return self._items(self._get("/api/rules"))

    def rule(self, rule_id: int) -> O:
        return self._obj(self._get(f"/api/rules/{seg(rule_id)}"))

    def create_rule(self, rule: Mapping[str, Any]) -> O:
        """`rule` as the API takes it: `{"name", "effect", "match": {...}, ...}`."""
        return self._obj(self._post("/api/rules", dict(rule)))

    def update_rule(self, rule_id: int, changes: Mapping[str, Any]) -> O:
        return self._obj(self._patch(f"/api/rules/{seg(rule_id)}", dict(changes)))

    def delete_rule(self, rule_id: int) -> N:
        return self._none(Spec("DELETE", f"/api/rules/{seg(rule_id)}"))

    def webhooks(self) -> L:
        return self._items(self._get("/api/webhooks"))

    def webhook(self, webhook_id: int) -> O:
        return self._obj(self._get(f"/api/webhooks/{seg(webhook_id)}"))

    def create_webhook(self, url: str, events: Sequence[str], *, secret: str | None = None,
                       test_events: bool | None = None, enabled: bool | None = None) -> O:
        """The answer is the only one that shows the endpoint's `secret`."""
        body = compact(url=url, events=list(events), secret=secret, testEvents=test_events,
                       enabled=enabled)
        return self._obj(self._post("/api/webhooks", body))

    def update_webhook(self, webhook_id: int, changes: Mapping[str, Any]) -> O:
        """`changes`: any of `url`, `events`, `enabled`, `testEvents`."""
        return self._obj(self._patch(f"/api/webhooks/{seg(webhook_id)}", dict(changes)))

    def delete_webhook(self, webhook_id: int) -> N:
        return self._none(Spec("DELETE", f"/api/webhooks/{seg(webhook_id)}"))

    def test_webhook(self, webhook_id: int) -> O:
        """Queues a signed `ping` to the endpoint: `{"deliveryId"}`, its `webhook-id`."""
        return self._obj(self._post(f"/api/webhooks/{seg(webhook_id)}/test"))

    def keys(self) -> L:
        return self._items(self._get("/api/keys"))

    def key(self, key_id: int) -> O:
        return self._obj(self._get(f"/api/keys/{seg(key_id)}"))

    def create_key(self, name: str, scopes: Sequence[str] = ("pauses",), *, test: bool = False,
                   expires_at: str | None = None, autonomy_level: int | None = None,
                   groups: Sequence[str] | None = None) -> O:
        """The answer's `key` is the whole key, shown this once."""
        body = compact(name=name, scopes=list(scopes), test=test, expiresAt=expires_at,
                       autonomyLevel=autonomy_level,
                       groups=None if groups is None else list(groups))
        return self._obj(self._post("/api/keys", body))

    def update_key(self, key_id: int, changes: Mapping[str, Any]) -> O:
        """`changes`: any of `name`, `autonomyLevel`, `groups`."""
        return self._obj(self._patch(f"/api/keys/{seg(key_id)}", dict(changes)))

    def delete_key(self, key_id: int) -> N:
        """Revokes the key: it gets 401 from its next request on."""
        return self._none(Spec("DELETE", f"/api/keys/{seg(key_id)}"))

    # --- anything else ----------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, Any] | None = None) -> O:
        """Any other endpoint (e.g. `GET /api/audit`); retried only if it is a GET."""
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        body = None if json is None else to_json(json)
        headers = {} if json is None else {"Content-Type": "application/json"}
        return self._obj(Spec(method.upper(), path, params=query or None, body=body,
                              headers=headers, idempotent=method.upper() == "GET"))
