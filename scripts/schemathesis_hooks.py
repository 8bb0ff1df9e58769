"""Schemathesis hooks for scripts/schemathesis: the two places a generated request is bent
before it is sent, each so that one request cannot spoil the rest of the run.

- A long-poll (`wait` on GET /api/pause/{watch_id}, /api/agents/{agent}/control, a heartbeat)
  parks up to 55 s when nothing changes: its `wait` is capped at 1 second, or a handful of
  cases would spend the whole time budget waiting. Long-polling itself is tested in
  tests/api/long_poll.rs and tests/api/agent_controls.rs.
- The admin run's own key must stay valid: a DELETE /api/keys/{id} drawn with its id (ids
  are small numbers, so the generator finds it) would revoke it and turn the rest of the run
  into 401s. Such a request is sent for id 0 instead (no such key: 404, as documented).
  Keys the run creates itself are revoked as usual.
"""
import json
import os
import urllib.request

import schemathesis

MAX_WAIT = 1
_protected = None


def _own_key_ids():
    """The ids of the keys that existed before the run (the run's own among them)."""
    global _protected
    if _protected is None:
        _protected = set()
        key = os.environ.get("HOLDPOINT_SCRATCH_ADMIN_KEY")
        if os.environ.get("HOLDPOINT_RUN") == "admin" and key:
            req = urllib.request.Request(f"{os.environ['HOLDPOINT_URL']}/api/keys",
                                         headers={"Authorization": f"Bearer {key}"})
            with urllib.request.urlopen(req, timeout=10) as res:
                body = json.load(res)
            items = body.get("items", body) if isinstance(body, dict) else body
            _protected = {str(k["id"]) for k in items}
    return _protected


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query
    if isinstance(query, dict) and "wait" in query:
        try:
            if int(query["wait"]) > MAX_WAIT:
                query["wait"] = MAX_WAIT
        except (TypeError, ValueError):
            pass  # not a number: the server refuses it at once (422)
    if case.operation.path == "/api/keys/{id}" and case.method.upper() == "DELETE":
        if str(case.path_parameters.get("id")) in _own_key_ids():
            case.path_parameters["id"] = "0"
