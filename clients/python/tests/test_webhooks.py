"""`verify_webhook` checks exactly what the server signs (src/notify/webhook.rs), on the
Standard Webhooks test vector, on hand-made deliveries, and on a real delivery the server sends
to a receiver on 127.0.0.1."""

from __future__ import annotations

import http.server
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from holdpoint import Holdpoint, WebhookVerificationError, sign_webhook, verify_webhook
from ownserver import OwnServer

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BODY = '{"email":"test@example.com","username":"test_user"}'
VECTOR = {"webhook-id": "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", "webhook-timestamp": "1649367553",
          "webhook-signature": "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="}


def test_the_standard_webhooks_test_vector_verifies() -> None:
    event = verify_webhook(BODY, VECTOR, SECRET, now=1649367553 + 10)
    assert event == {"email": "test@example.com", "username": "test_user"}
    assert sign_webhook(SECRET, VECTOR["webhook-id"], 1649367553, BODY) == VECTOR["webhook-signature"]


def test_headers_are_read_whatever_their_case_and_a_rotation_has_two_signatures() -> None:
    other = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = {k.upper(): v for k, v in VECTOR.items()}
    headers["WEBHOOK-SIGNATURE"] = f"v1,bm90IGl0 {VECTOR['webhook-signature']}"
    assert verify_webhook(BODY.encode(), headers, [other, SECRET], now=1649367553)


@pytest.mark.parametrize("change", [
    {"body": BODY.replace("test_user", "admin")},
    {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
    {"now": 1649367553 + 301},
    {"now": 1649367553 - 301},
    {"drop": "webhook-signature"},
    {"drop": "webhook-id"},
])
def test_a_tampered_or_stale_delivery_is_refused(change: dict[str, Any]) -> None:
    headers = {k: v for k, v in VECTOR.items() if k != change.get("drop")}
    with pytest.raises(WebhookVerificationError):
        verify_webhook(change.get("body", BODY), headers, change.get("secret", SECRET),
                       now=change.get("now", 1649367553))


class Receiver(http.server.BaseHTTPRequestHandler):
    deliveries: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()

    def do_POST(self) -> None:  # noqa: N802 (the http.server interface)
        body = self.rfile.read(int(self.headers["content-length"]))
        self.deliveries.put((body, dict(self.headers.items())))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_a_real_delivery_from_the_server_verifies(own_server: OwnServer, receiver: str) -> None:
    with Holdpoint(own_server.url, own_server.keys["admin"]) as admin, \
            Holdpoint(own_server.url, own_server.keys["agent"]) as agent:
        hook = admin.create_webhook(receiver, ["pause.created"], test_events=True)
        ping = admin.test_webhook(hook["id"])
        pause = agent.create_pause("Refund order 1234 ($40)")
        events = {}
        for _ in range(2):
            body, headers = Receiver.deliveries.get(timeout=30)
            event = verify_webhook(body, headers, hook["secret"])
            events[event["type"]] = (event, headers)
        admin.delete_webhook(hook["id"])
    assert events["ping"][1]["webhook-id"] == ping["deliveryId"]
    assert events["pause.created"][0]["data"]["watchId"] == pause["watchId"]
    headers = events["ping"][1]
    with pytest.raises(WebhookVerificationError):  # the same headers on another body
        verify_webhook(b'{"type":"ping"}', headers, hook["secret"])
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300
