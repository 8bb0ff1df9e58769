"""What the long-polling calls return: a `Decision` on a pause, a `Control` from a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Statuses after which a pause never changes again.
FINAL = frozenset({"approved", "rejected", "expired", "cancelled", "changes_requested", "answered"})


@dataclass(frozen=True)
class Decision:
    """A pause that is final. `pause` is the whole pause as the server sent it."""

    watch_id: str
    status: str
    reason: str | None
    decided_by: dict[str, Any] | None
    edits: dict[str, Any]
    policy: dict[str, Any] | None
    answers: dict[str, Any] | None
    reject_option: str | None
    pause: dict[str, Any] = field(repr=False)

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @classmethod
    def from_pause(cls, pause: dict[str, Any]) -> Decision:
        return cls(
            watch_id=str(pause["watchId"]),
            status=str(pause["status"]),
            reason=pause.get("reason"),
            decided_by=pause.get("decidedBy"),
            edits=dict(pause.get("edits") or {}),
            policy=pause.get("policy"),
            answers=pause.get("answers"),
            reject_option=pause.get("rejectOption"),
            pause=pause,
        )


@dataclass(frozen=True)
class Control:
    """A heartbeat's or control read's answer: `control` is `running`, `paused` or `cancelled`;
    `guidance` the messages sent since the last cursor (oldest first)."""

    control: str
    guidance: list[dict[str, Any]]
    cursor: str
    skipped: int = 0

    @property
    def messages(self) -> list[str]:
        return [str(g["message"]) for g in self.guidance]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Control:
        return cls(
            control=str(body["control"]),
            guidance=list(body.get("guidance") or []),
            cursor=str(body["cursor"]),
            skipped=int(body.get("skipped") or 0),
        )
