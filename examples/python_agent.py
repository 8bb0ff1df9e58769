"""A Python agent whose email tool runs only after a person approves it (@require_approval).

The person sees the email in the dashboard (or gets it by API), may edit its body, and
approves or rejects; the tool then runs with the approved arguments, or `Rejected` is raised.

    pip install ./clients/python
    HOLDPOINT_URL=http://127.0.0.1:8080 HOLDPOINT_KEY=hitl_test_... python examples/python_agent.py

Prints where to decide, then `sent to …: <body>` or `not sent: <reason>`.
"""

from __future__ import annotations

import os
from typing import Any

from holdpoint import Holdpoint, Rejected, require_approval

hp = Holdpoint(agent=os.environ.get("HOLDPOINT_AGENT", "support-mailer"))


def show(pause: dict[str, Any]) -> None:
    print(f"waiting for approval: {pause['watchId']} ({hp.opts.url}/pauses/{pause['watchId']})",
          flush=True)


@require_approval("Email {to}: {subject}", client=hp, tool="send_email", risk="medium",
                  editable=["body"], on_created=show)
def send_email(to: str, subject: str, body: str) -> str:
    # A real agent would call its mail provider here.
    return f"sent to {to}: {body}"


def main() -> None:
    try:
        print(send_email("ann@example.com", "Your refund", "Hi Ann, we refunded order 1234."))
    except Rejected as no:
        print(f"not sent: {no.reason}")


if __name__ == "__main__":
    main()
