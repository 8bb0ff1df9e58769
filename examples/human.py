"""The person's side from a terminal, for trying the examples without the dashboard.

Uses HOLDPOINT_URL and HOLDPOINT_DECIDER_KEY: a key with `decide` (approve, reject, answer) and
`agents` (pause, resume, guide, cancel agents).

    python examples/human.py approve WATCH_ID [REASON] [--edit KEY=JSON ...]
    python examples/human.py reject WATCH_ID [REASON]
    python examples/human.py answer WATCH_ID "QUESTION=ANSWER" ...
    python examples/human.py pause|resume|cancel AGENT
    python examples/human.py guide AGENT MESSAGE
"""

from __future__ import annotations

import argparse
import json
import os

from holdpoint import Holdpoint


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["approve", "reject", "answer", "pause", "resume",
                                       "cancel", "guide"])
    p.add_argument("target", help="a pause's watchId, or an agent's name")
    p.add_argument("text", nargs="*", help="the reason, the answers, or the guidance")
    p.add_argument("--edit", action="append", default=[], metavar="KEY=JSON",
                   help="approve with this context key changed (JSON value, or plain text)")
    a = p.parse_args()
    hp = Holdpoint(key=os.environ.get("HOLDPOINT_DECIDER_KEY"))
    text = " ".join(a.text) or None
    if a.command == "approve":
        edits = dict(_edit(e) for e in a.edit) or None
        out = hp.approve(a.target, text, edits=edits)
    elif a.command == "reject":
        out = hp.reject(a.target, text)
    elif a.command == "answer":
        out = hp.answer(a.target, dict(pair.split("=", 1) for pair in a.text))
    elif a.command == "guide":
        out = hp.guide(a.target, text or "")
    else:
        out = {"pause": hp.pause_agent, "resume": hp.resume_agent,
               "cancel": hp.cancel_agent}[a.command](a.target)
    print(json.dumps(out))


def _edit(pair: str) -> tuple[str, object]:
    key, raw = pair.split("=", 1)
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


if __name__ == "__main__":
    main()
