"""An agent loop that checks in with Holdpoint before each step and follows guidance.

It pays five invoices. Before each one it calls `checkpoint()`: while a person has paused it
(Agents page, or `POST /api/agents/<name>/pause`) the call blocks; guidance such as
"skip invoice 3" comes back from it and is followed; a cancelled run stops the loop.

    HOLDPOINT_URL=http://127.0.0.1:8080 HOLDPOINT_KEY=hitl_test_... \
        python examples/checkpoint_agent.py invoice-bot

The argument is the agent's name (default: invoice-bot).
"""

from __future__ import annotations

import re
import sys
import time

from holdpoint import Cancelled, Holdpoint

INVOICES = [1, 2, 3, 4, 5]


def main(agent: str) -> None:
    hp = Holdpoint(agent=agent, run=f"invoices-{int(time.time() * 1000)}")
    skip: set[int] = set()
    try:
        for n, invoice in enumerate(INVOICES):
            print(f"checking in before invoice {invoice}", flush=True)
            for message in hp.checkpoint(state="acting", tool="pay_invoice",
                                         progress=100 * n // len(INVOICES)):
                print(f"guidance: {message}", flush=True)
                skip |= {int(x) for x in re.findall(r"skip invoice (\d+)", message, re.I)}
            if invoice in skip:
                print(f"skipped invoice {invoice}", flush=True)
            else:
                print(f"paid invoice {invoice}", flush=True)  # a real agent pays it here
        hp.checkpoint(state="complete", progress=100)
        print("done", flush=True)
    except Cancelled:
        print("cancelled: stopping", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "invoice-bot")
