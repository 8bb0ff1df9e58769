"""`@require_approval`: a tool function that runs only once a person approved the call, with
the arguments as the person edited them."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from ._async import AsyncHoldpoint
from ._sync import Holdpoint
from .errors import Rejected
from .models import Decision

P = ParamSpec("P")
R = TypeVar("R")

Action = str | Callable[[dict[str, Any]], str]


def require_approval(
    action: Action | None = None, *, client: Holdpoint | AsyncHoldpoint | None = None,
    risk: str | None = None, tool: str | None = None, agent: str | None = None,
    timeout: int | None = None, editable: bool | Sequence[str] = True,
    on_created: Callable[[dict[str, Any]], object] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wraps a tool (a plain or an `async` function): each call becomes a pause whose `context`
    is the call's arguments, and the function runs only if a person approves, with any
    arguments the person edited. A rejection, a plan sent back, an expiry or a cancel raises
    `Rejected(reason)` instead.

    `action`: the pause's text, a format string over the arguments (`"Email {to}"`) or a
    function of them; default: the call as `name(arg=value, …)`. `tool` defaults to the
    function's name. `editable`: the arguments a person may change (True: all of them).
    `client`: a `Holdpoint` (or an `AsyncHoldpoint` for an async function); default: one
    from `HOLDPOINT_URL` / `HOLDPOINT_KEY`, made at the first call. `on_created` gets the
    pause once it exists (to log its `watchId`, say)."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        def ask(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[inspect.BoundArguments, dict[str, Any]]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            context = json.loads(json.dumps(bound.arguments, default=repr))
            keys = list(context) if editable is True else list(editable or [])
            request = {
                "action": _action_text(action, fn.__name__, context),
                "context": context, "risk": risk, "tool": tool or fn.__name__,
                "agent": agent, "timeout": timeout,
                "editable": keys[:20] if keys else None, "on_created": on_created,
            }
            return bound, request

        if inspect.iscoroutinefunction(fn):
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                bound, request = ask(args, kwargs)
                if isinstance(client, AsyncHoldpoint):
                    decision = await client.request_approval(**request)
                else:  # an async client belongs to one event loop: one per call
                    async with AsyncHoldpoint() as hp:
                        decision = await hp.request_approval(**request)
                positional, named = _edited(bound, decision)
                return await cast(Any, fn)(*positional, **named)

            return cast(Callable[P, R], functools.wraps(fn)(run_async))

        def run(*args: Any, **kwargs: Any) -> Any:
            bound, request = ask(args, kwargs)
            hp = client if isinstance(client, Holdpoint) else _default_sync()
            decision = hp.request_approval(**request)
            positional, named = _edited(bound, decision)
            return cast(Any, fn)(*positional, **named)

        return cast(Callable[P, R], functools.wraps(fn)(run))

    return wrap


def _action_text(action: Action | None, name: str, context: dict[str, Any]) -> str:
    if callable(action):
        return action(context)[:1000]
    if action is not None:
        return action.format(**context)[:1000]
    args = ", ".join(f"{k}={json.dumps(v)}" for k, v in context.items())
    return f"{name}({args})"[:1000]


def _edited(bound: inspect.BoundArguments, decision: Decision) -> Any:
    """The call's arguments with the person's edits, or `Rejected` if there was no approval."""
    if not decision.approved:
        raise Rejected(decision.reason or decision.status, decision)
    for name, value in decision.edits.items():
        if name in bound.arguments:
            bound.arguments[name] = value
    return bound.args, bound.kwargs


_DEFAULT: list[Holdpoint] = []


def _default_sync() -> Holdpoint:
    if not _DEFAULT:
        _DEFAULT.append(Holdpoint())
    return _DEFAULT[0]
