import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Holdpoint } from "holdpoint";

import { OwnServer, spyingFetch } from "./helpers.js";

let server: OwnServer;
before(async () => {
  server = await OwnServer.start();
});
after(async () => {
  await server.stop();
});

test("requestApproval survives the server being killed mid-wait and resolves with the decision made after its restart", async () => {
  const spy = spyingFetch();
  const agent = new Holdpoint({ url: server.url, key: server.key("agent", ["pauses"]), fetch: spy.fetch });
  const decider = new Holdpoint({ url: server.url, key: server.key("decider", ["decide"]) });
  const retries: Error[] = [];
  const asked = agent.requestApproval("Deploy build 4821 to production", {
    context: { build: 4821 },
    tool: "deploy",
    timeout: 3600,
    onRetry: (e) => retries.push(e),
  });
  const watchId = await spy.waiting; // the long-poll is in flight
  await server.kill();
  await server.run(); // the same port and data directory
  const settled = await decider.approve(watchId, { reason: "Approved after the restart" });
  assert.equal(settled.status, "approved");
  const decision = await asked;
  assert.equal(decision.approved, true);
  assert.equal(decision.watchId, watchId);
  assert.equal(decision.reason, "Approved after the restart");
  assert.ok(retries.length >= 1, "the wait saw the outage and kept going");
});

test("a create whose server is down is sent again with the same Idempotency-Key until the server is back", async () => {
  const keys: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const key = new Headers(init?.headers).get("idempotency-key");
    if (key) keys.push(key);
    return fetch(input, init);
  };
  const agent = new Holdpoint({ url: server.url, key: server.key("agent2", ["pauses"]), fetch: recording });
  await server.kill();
  let down = true;
  const created = agent.createPause({ action: "Rotate the keys" }, {
    onRetry: () => {
      if (down) {
        down = false;
        void server.run();
      }
    },
  });
  const pause = await created;
  assert.equal(pause.status, "pending");
  assert.ok(keys.length >= 2, `sent ${keys.length} times`);
  assert.equal(new Set(keys).size, 1, "one key for every attempt");
});
