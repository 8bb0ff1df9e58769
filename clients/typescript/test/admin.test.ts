import assert from "node:assert/strict";
import { test } from "node:test";

import { Holdpoint, HoldpointError } from "holdpoint";

import { adminClient, agentClient, env, unique } from "./helpers.js";

test("rules are created, read, listed, changed and deleted", async () => {
  const admin = adminClient();
  const name = unique("ts-small-refunds");
  const rule = await admin.rules.create({ name, effect: "allow", maxRisk: "medium", shadow: true, match: { tool: "refund_*" } });
  assert.equal(rule.name, name);
  assert.equal(rule.effect, "allow");
  assert.equal(rule.shadow, true);
  assert.deepEqual((await admin.rules.get(rule.id)).match, { tool: "refund_*" });
  assert.ok((await admin.rules.list()).some((r) => r.id === rule.id));
  assert.equal((await admin.rules.update(rule.id, { enabled: false })).enabled, false);
  await admin.rules.delete(rule.id);
  await assert.rejects(admin.rules.get(rule.id), (e: unknown) => e instanceof HoldpointError && e.status === 404);
});

test("a duplicate rule name is a 409 and a bad glob a 422 naming its member", async () => {
  const admin = adminClient();
  const name = unique("ts-dup");
  const rule = await admin.rules.create({ name, effect: "deny", match: { tool: "drop_*" } });
  try {
    await assert.rejects(admin.rules.create({ name, effect: "deny", match: { tool: "x" } }), (e: unknown) => e instanceof HoldpointError && e.status === 409);
    await assert.rejects(admin.rules.create({ name: unique("ts-bad"), effect: "deny", match: { tool: "[" } }), (e: unknown) =>
      e instanceof HoldpointError && e.status === 422 && e.problem.field === "match.tool");
  } finally {
    await admin.rules.delete(rule.id);
  }
});

test("webhook endpoints are created with their secret once, tested, changed and deleted", async () => {
  const admin = adminClient();
  const created = await admin.webhooks.create({ url: "https://hooks.example.com/holdpoint", events: ["pause.created", "approval.required"] });
  assert.match(created.secret ?? "", /^whsec_/);
  try {
    const read = await admin.webhooks.get(created.id);
    assert.equal(read.secret, undefined, "the secret is shown only once");
    assert.ok((await admin.webhooks.list()).some((w) => w.id === created.id));
    assert.match((await admin.webhooks.test(created.id)).deliveryId, /^msg_/);
    const changed = await admin.webhooks.update(created.id, { enabled: false, testEvents: true });
    assert.equal(changed.enabled, false);
    assert.equal(changed.testEvents, true);
  } finally {
    await admin.webhooks.delete(created.id);
  }
  await assert.rejects(admin.webhooks.get(created.id), (e: unknown) => e instanceof HoldpointError && e.status === 404);
});

test("a key made by API works, is renamed, and stops working once revoked", async () => {
  const admin = adminClient();
  const made = await admin.keys.create({ name: unique("ts-key"), scopes: ["admin"] });
  assert.match(made.key ?? "", /^hitl_live_/);
  assert.deepEqual(made.scopes, ["admin"]);
  const own = new Holdpoint({ url: env("HOLDPOINT_URL"), key: made.key! });
  assert.ok((await own.keys.list()).some((k) => k.id === made.id));
  assert.equal((await admin.keys.update(made.id, { name: "renamed" })).name, "renamed");
  assert.equal((await admin.keys.get(made.id)).key, undefined);
  await admin.keys.revoke(made.id);
  await assert.rejects(own.keys.list(), (e: unknown) => e instanceof HoldpointError && e.status === 401);
});

test("a key never grants a scope it does not hold", async () => {
  await assert.rejects(adminClient().keys.create({ name: unique("sneaky"), scopes: ["pauses"] }), (e: unknown) =>
    e instanceof HoldpointError && e.status === 403);
});

test("settings, policy settings, the audit log, users and groups are readable", async () => {
  const admin = adminClient().admin;
  assert.equal(typeof (await admin.settings()).name, "string");
  assert.equal(typeof (await admin.policySettings()).autonomyLevel, "number");
  const audit = await admin.audit({ limit: 5 });
  assert.ok(audit.items.length > 0 && audit.limit === 5);
  assert.ok((await admin.users()).some((u) => u.email === "owner@example.com"));
  const name = unique("ts-grp").toLowerCase().slice(0, 40);
  const group = await admin.groups.create({ name, members: ["owner@example.com"] });
  assert.deepEqual(group.members.map((m) => m.email), ["owner@example.com"]);
  assert.ok((await admin.groups.list()).some((g) => g.name === name));
  await admin.groups.delete(name);
});

test("a test key gets live-key-required from the admin API", async () => {
  await assert.rejects(agentClient().rules.list(), (e: unknown) => e instanceof HoldpointError && e.status === 403 && e.slug === "live-key-required");
});
