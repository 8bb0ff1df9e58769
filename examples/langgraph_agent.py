"""A LangGraph graph (no model) whose nodes ask Holdpoint and resume with the person's answer,
approval, edit or rejection.

The graph handles a refund: `ask_warehouse` asks a question (which warehouse ships the
replacement), `approve_refund` asks for approval with the amount editable, and the graph then
branches on the Decision: `refund` (with the amount as approved, edited or not) or `abort`.
Each node blocks in Holdpoint until the person acts; the pauses are durable, so a person may
take hours.

    pip install ./clients/python langgraph==1.2.22
    HOLDPOINT_URL=http://127.0.0.1:8080 HOLDPOINT_KEY=hitl_test_... \
        python examples/langgraph_agent.py order-1234 55
"""

from __future__ import annotations

import sys
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from holdpoint import Holdpoint


class Refund(TypedDict, total=False):
    order: str
    amount: int
    warehouse: str
    status: str
    reason: str


hp = Holdpoint(agent="refund-graph")


def show(what: str) -> Any:
    def printer(pause: dict[str, Any]) -> None:
        print(f"waiting for {what}: {pause['watchId']} ({hp.opts.url}/pauses/{pause['watchId']})",
              flush=True)
    return printer


def ask_warehouse(state: Refund) -> Refund:
    answers = hp.ask([{"question": f"Which warehouse ships the replacement for {state['order']}?",
                       "options": ["eu", "us"]}], on_created=show("an answer"))
    return {"warehouse": str(next(iter(answers.values())))}


def approve_refund(state: Refund) -> Refund:
    decision = hp.request_approval(
        f"Refund {state['amount']} USD on {state['order']}", tool="refund", risk="medium",
        context={"order": state["order"], "amount": state["amount"]}, editable=["amount"],
        on_created=show("approval"))
    return {"status": decision.status, "reason": decision.reason or "",
            "amount": int(decision.edits.get("amount", state["amount"]))}


def refund(state: Refund) -> Refund:
    print(f"refunded {state['amount']} USD on {state['order']} from {state['warehouse']}")
    return {}


def abort(state: Refund) -> Refund:
    print(f"no refund on {state['order']}: {state['status']} ({state['reason']})")
    return {}


def build() -> Any:
    graph = StateGraph(Refund)
    graph.add_node("ask_warehouse", ask_warehouse)
    graph.add_node("approve_refund", approve_refund)
    graph.add_node("refund", refund)
    graph.add_node("abort", abort)
    graph.add_edge(START, "ask_warehouse")
    graph.add_edge("ask_warehouse", "approve_refund")
    graph.add_conditional_edges(
        "approve_refund", lambda s: "refund" if s["status"] == "approved" else "abort",
        {"refund": "refund", "abort": "abort"})
    graph.add_edge("refund", END)
    graph.add_edge("abort", END)
    return graph.compile()


if __name__ == "__main__":
    order, amount = (sys.argv[1], int(sys.argv[2])) if len(sys.argv) > 2 else ("order-1234", 55)
    build().invoke({"order": order, "amount": amount})
