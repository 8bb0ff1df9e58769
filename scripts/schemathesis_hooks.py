"""Schemathesis hooks for scripts/schemathesis: the two places a generated request is bent
before it is sent, each so that one request cannot spoil the rest of the run.

- A long-poll (`wait` on GET /api/pause/{watch_id}, /api/agents/{agent}/control, a heartbeat)
  parks up to 55 s when nothing changes: a valid `wait` over 1 second is sent as 1 (still
  valid), or a handful of cases would spend the whole time budget waiting. Invalid ones are
  sent as drawn (refused at once). Long-polling itself is tested in tests/api/long_poll.rs and
  tests/api/agent_controls.rs.
- An Idempotency-Key drawn twice for different bodies is refused (422
  `idempotency-key-reused`), as it should be; the generator draws from few short values, so a
  valid key gets a unique suffix (still valid). Replays are tested in tests/api/idempotency.rs.
- The admin run's own key must stay valid: a DELETE /api/keys/{id} drawn with its id (ids
  are small numbers, so the generator finds it) would revoke it and turn the rest of the run
  into 401s. Such a request is sent for id 0 instead (no such key: 404, as documented).
  Keys the run creates itself are revoked as usual.
"""
import itertools
from collections.abc import MutableMapping
import json
import os
import re
import urllib.request

import schemathesis

MAX_WAIT = 1
WAIT = re.compile(r"^\s*\+?0*([0-9]+)(s?)\s*$")  # as the server reads it
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_fresh = itertools.count(1)
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
    if isinstance(query, MutableMapping) and isinstance(query.get("wait"), (str, int)):
        m = WAIT.match(str(query["wait"]))
        if m and MAX_WAIT < int(m.group(1)) <= 55:
            query["wait"] = f"{MAX_WAIT}{m.group(2)}"
            # The case is re-checked after this edit; the members the operation does not
            # declare (which the server ignores) go too, or the edited case reads as invalid.
            declared = {p.name for p in case.operation.query}
            for name in [n for n in query if n not in declared]:
                del query[name]
    headers = case.headers
    if isinstance(headers, MutableMapping):  # a case-insensitive dict
        for name in list(headers):
            value = headers[name]
            if name.lower() == "idempotency-key" and isinstance(value, str) \
                    and IDEMPOTENCY_KEY.match(value):
                headers[name] = f"{value[:240]}.{next(_fresh)}"
    if case.operation.path == "/api/keys/{id}" and case.method.upper() == "DELETE":
        if str(case.path_parameters.get("id")) in _own_key_ids():
            case.path_parameters["id"] = "0"
