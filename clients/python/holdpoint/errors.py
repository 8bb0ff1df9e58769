"""Errors: every refusal from the server is a `HoldpointError` carrying its RFC 9457 problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Decision


class HoldpointError(Exception):
    """The server refused a request; `problem` is its problem+json body as sent."""

    status: int
    type: str
    title: str
    detail: str
    problem: dict[str, Any]
    retry_after: float | None

    def __init__(self, status: int, problem: dict[str, Any], retry_after: float | None = None):
        self.status = status
        self.problem = problem
        self.type = str(problem.get("type", "about:blank"))
        self.title = str(problem.get("title", ""))
        self.detail = str(problem.get("detail", ""))
        self.retry_after = retry_after
        super().__init__(f"{status} {self.title}: {self.detail}" if self.detail else f"{status}")

    @property
    def slug(self) -> str:
        """The problem type's last segment, e.g. `insufficient-scope`."""
        return self.type.rsplit("/", 1)[-1]

    @property
    def field(self) -> str | None:
        """The offending field, on a `422`."""
        value = self.problem.get("field")
        return value if isinstance(value, str) else None

    @property
    def current(self) -> dict[str, Any] | None:
        """The resource as it now stands, on a `409`."""
        value = self.problem.get("current")
        return value if isinstance(value, dict) else None


class BadRequest(HoldpointError):
    """400: malformed JSON or query."""


class Unauthorized(HoldpointError):
    """401: no valid key (or an expired one: `slug == "key-expired"`)."""


class Forbidden(HoldpointError):
    """403: e.g. `insufficient-scope`, `self-decision`, `live-key-required`."""


class NotFound(HoldpointError):
    """404: nothing by that id in this workspace and mode."""


class Conflict(HoldpointError):
    """409: e.g. the pause is no longer pending (`current` holds it) or the run was cancelled."""


class ValidationFailed(HoldpointError):
    """422: `field` names what is wrong."""


class RateLimited(HoldpointError):
    """429 that was not retried: no `Retry-After`, or one longer than the client waits."""


class Unavailable(HoldpointError):
    """503 still answered after the retries."""


class ServerError(HoldpointError):
    """Any other 5xx."""


class ConnectionFailed(HoldpointError):
    """The server could not be reached (after the retries); `status` is 0."""

    def __init__(self, message: str):
        super().__init__(0, {"type": "about:blank", "title": "Connection failed", "detail": message})


_BY_STATUS: dict[int, type[HoldpointError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
    503: Unavailable,
}


def error_for(status: int, problem: dict[str, Any], retry_after: float | None) -> HoldpointError:
    """The typed error for a status, so callers can `except NotFound`."""
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else HoldpointError)
    return cls(status, problem, retry_after)


class Rejected(Exception):
    """A person said no: rejected, sent back (a plan: changes requested), or nobody decided in
    time (expired, or cancelled). `reason` is the person's reason, else the status."""

    def __init__(self, reason: str, decision: Decision):
        self.reason = reason
        self.decision = decision
        super().__init__(reason)


class Cancelled(Exception):
    """A person cancelled this agent's run: stop working (start a new run to go on)."""

    def __init__(self, agent: str, run: str | None):
        self.agent = agent
        self.run = run
        super().__init__(f"agent {agent} was cancelled" + (f" (run {run})" if run else ""))


class WebhookVerificationError(Exception):
    """A webhook's signature or timestamp did not verify: do not trust its body."""


class InvalidReceipt(Exception):
    """A decision receipt that must not be trusted. `reason` is one of `format`, `alg` (only
    EdDSA is accepted), `kid` (no such key in the JWKS), `signature`, `claims`, `issuer`,
    `expired`, `not_yet_valid`."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(f"{reason}: {message}")
