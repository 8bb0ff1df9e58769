import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Holdpoint, NotFound } from "holdpoint";

import { OwnServer } from "./helpers.js";

// Changes that would touch other suites' data run on a server of this file's own.
let server: OwnServer;
let ops: Holdpoint;
before(async () => {
  server = await OwnServer.start();
  ops = new Holdpoint({ url: server.url, key: server.key("ops", ["pauses", "agents", "admin"], false) });
});
after(async () => {
  await server.stop();
});

test("deleteAgent removes a live agent with a key holding agents and admin", async () => {
  await ops.heartbeat({ agent: "doomed-bot", state: "idle" });
  assert.equal((await ops.agent("doomed-bot")).name, "doomed-bot");
  await ops.deleteAgent("doomed-bot");
  await assert.rejects(ops.agent("doomed-bot"), NotFound);
});

test("settings and policy settings take a merge patch and answer the whole object", async () => {
  const settings = await ops.admin.settings({ defaultTimeoutSecs: 900, rejectReasonRequired: true });
  assert.equal(settings.defaultTimeoutSecs, 900);
  assert.equal(settings.rejectReasonRequired, true);
  const policy = await ops.admin.policySettings({ autonomyLevel: 35 });
  assert.equal(policy.autonomyLevel, 35);
  assert.equal((await ops.admin.policySettings()).autonomyLevel, 35);
});

test("groups are read and changed by name", async () => {
  await ops.admin.groups.create({ name: "finance" });
  assert.equal((await ops.admin.groups.get("finance")).name, "finance");
  assert.equal((await ops.admin.groups.update("finance", { name: "treasury" })).name, "treasury");
  await ops.admin.groups.delete("treasury");
  await assert.rejects(ops.admin.groups.get("treasury"), NotFound);
});

test("a guidance cursor set from an earlier run skips what was read then", async () => {
  const human = ops;
  await human.heartbeat({ agent: "reader-bot" });
  await human.guide("reader-bot", "first");
  await human.guide("reader-bot", "second");
  const agent = new Holdpoint({ url: server.url, key: server.key("agent", ["pauses"], false), agent: "reader-bot" });
  agent.setCursor("reader-bot", "1");
  assert.deepEqual(await agent.checkpoint(), ["second"]);
  assert.equal(agent.cursor(), "2");
});
