import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import { Holdpoint, signWebhook, verifyWebhook, WebhookVerificationError, type Pause } from "holdpoint";

import { OwnServer } from "./helpers.js";

// The Standard Webhooks specification's own test vector.
const SPEC = {
  secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
  id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
  timestamp: 1649367553,
  body: '{"email":"test@example.com","username":"test_user"}',
  signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
};
const specHeaders = (signature = SPEC.signature) => ({
  "webhook-id": SPEC.id,
  "webhook-timestamp": String(SPEC.timestamp),
  "webhook-signature": signature,
});

test("the specification's test vector verifies, from a Headers object or node's header record", () => {
  assert.equal(signWebhook(SPEC.body, SPEC.secret, SPEC.id, SPEC.timestamp), SPEC.signature);
  const event = verifyWebhook(SPEC.body, specHeaders(), SPEC.secret, { now: SPEC.timestamp });
  assert.deepEqual(event, JSON.parse(SPEC.body));
  assert.deepEqual(verifyWebhook(Buffer.from(SPEC.body), new Headers(specHeaders()), SPEC.secret, { now: SPEC.timestamp + 299 }), event);
});

test("a changed body, another secret, a stale timestamp or a missing header is refused", () => {
  const refused = (fn: () => unknown) => assert.throws(fn, WebhookVerificationError);
  refused(() => verifyWebhook(SPEC.body.replace("test_user", "admin"), specHeaders(), SPEC.secret, { now: SPEC.timestamp }));
  refused(() => verifyWebhook(SPEC.body, specHeaders(), "whsec_" + Buffer.alloc(24, 7).toString("base64"), { now: SPEC.timestamp }));
  refused(() => verifyWebhook(SPEC.body, specHeaders(), SPEC.secret, { now: SPEC.timestamp + 301 }));
  refused(() => verifyWebhook(SPEC.body, { "webhook-id": SPEC.id }, SPEC.secret, { now: SPEC.timestamp }));
  refused(() => verifyWebhook(SPEC.body, specHeaders("v1,AAAA"), SPEC.secret, { now: SPEC.timestamp }));
});

test("during a secret rotation any one of the signatures passes", () => {
  const rotated = specHeaders(`v1,bm90IHRoaXMgb25l ${SPEC.signature}`);
  assert.deepEqual(verifyWebhook(SPEC.body, rotated, SPEC.secret, { now: SPEC.timestamp }), JSON.parse(SPEC.body));
});

// A real delivery: the server signs, a receiver on 127.0.0.1 verifies.
let server: OwnServer;
before(async () => {
  server = await OwnServer.start();
});
after(async () => {
  await server.stop();
});

interface Received {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

test("a real pause.created delivery from the server verifies with the endpoint's secret", async () => {
  const deliveries: Received[] = [];
  let delivered: () => void = () => {};
  const arrived = new Promise<void>((r) => (delivered = r));
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(204).end();
      delivered();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  try {
    const admin = new Holdpoint({ url: server.url, key: server.key("ops", ["admin"], false) });
    const port = (receiver.address() as AddressInfo).port;
    const endpoint = await admin.createWebhook({ url: `http://127.0.0.1:${port}/hook`, events: ["pause.created"], testEvents: true });
    const agent = new Holdpoint({ url: server.url, key: server.key("agent", ["pauses"]) });
    const pause = await agent.createPause({ action: "Deploy build 4821" });
    await arrived;
    const [first] = deliveries;
    assert.ok(first);
    const event = verifyWebhook<Pause>(first.body, first.headers, endpoint.secret!);
    assert.equal(event.type, "pause.created");
    assert.equal(event.data.watchId, pause.watchId);
    assert.equal(event.data.test, true);
    assert.throws(() => verifyWebhook(first.body, first.headers, "whsec_" + Buffer.alloc(32, 1).toString("base64")), WebhookVerificationError);
  } finally {
    receiver.close();
  }
});
