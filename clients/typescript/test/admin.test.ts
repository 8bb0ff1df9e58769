import assert from "node:assert/strict";
import { test } from "node:test";

import { Conflict, Forbidden, Holdpoint, NotFound, Unauthorized, ValidationFailed } from "holdpoint";

import { adminClient, agentClient, env, unique } from "./helpers.js";

test("rules are created, read, listed, changed and deleted", async () => {
  const admin = adminClient();
  const name = unique("ts-small-refunds");
  const rule = await admin.createRule({ name, effect: "allow", maxRisk: "medium", shadow: true, match: { tool: "refund_*" } });
  assert.equal(rule.name, name);
  assert.equal(rule.effect, "allow");
  assert.equal(rule.shadow, true);
  assert.deepEqual((await admin.rule(rule.id)).match, { tool: "refund_*" });
  assert.ok((await admin.rules()).some((r) => r.id === rule.id));
  assert.equal((await admin.updateRule(rule.id, { enabled: false })).enabled, false);
  await admin.deleteRule(rule.id);
  await assert.rejects(admin.rule(rule.id), (e: unknown) => e instanceof NotFound && e.status === 404);
});

test("a duplicate rule name is a 409 and a bad glob a 422 naming its member", async () => {
  const admin = adminClient();
  const name = unique("ts-dup");
  const rule = await admin.admin.rules.create({ name, effect: "deny", match: { tool: "drop_*" } });
  try {
    await assert.rejects(admin.createRule({ name, effect: "deny", match: { tool: "x" } }), (e: unknown) => e instanceof Conflict);
    await assert.rejects(admin.createRule({ name: unique("ts-bad"), effect: "deny", match: { tool: "[" } }), (e: unknown) =>
      e instanceof ValidationFailed && e.problem.field === "match.tool");
  } finally {
    await admin.admin.rules.delete(rule.id);
  }
});

test("webhook endpoints are created with their secret once, tested, changed and deleted", async () => {
  const admin = adminClient();
  const created = await admin.createWebhook({ url: "https://hooks.example.com/holdpoint", events: ["pause.created", "approval.required"] });
  assert.match(created.secret ?? "", /^whsec_/);
  try {
    const read = await admin.webhook(created.id);
    assert.equal(read.secret, undefined, "the secret is shown only once");
    assert.ok((await admin.webhooks()).some((w) => w.id === created.id));
    assert.match((await admin.testWebhook(created.id)).deliveryId, /^msg_/);
    const changed = await admin.updateWebhook(created.id, { enabled: false, testEvents: true });
    assert.equal(changed.enabled, false);
    assert.equal(changed.testEvents, true);
  } finally {
    await admin.deleteWebhook(created.id);
  }
  await assert.rejects(admin.webhook(created.id), (e: unknown) => e instanceof NotFound);
});

test("a key made by API works, is renamed, and stops working once revoked", async () => {
  const admin = adminClient();
  const made = await admin.createKey({ name: unique("ts-key"), scopes: ["admin"] });
  assert.match(made.key ?? "", /^hitl_live_/);
  assert.deepEqual(made.scopes, ["admin"]);
  const own = new Holdpoint({ url: env("HOLDPOINT_URL"), key: made.key! });
  assert.ok((await own.keys()).some((k) => k.id === made.id));
  assert.equal((await admin.updateKey(made.id, { name: "renamed" })).name, "renamed");
  assert.equal((await admin.key(made.id)).key, undefined);
  await admin.deleteKey(made.id);
  await assert.rejects(own.keys(), (e: unknown) => e instanceof Unauthorized);
});

test("a key never grants a scope it does not hold", async () => {
  await assert.rejects(adminClient().createKey({ name: unique("sneaky"), scopes: ["pauses"] }), (e: unknown) =>
    e instanceof Forbidden && e.status === 403);
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
  await assert.rejects(agentClient().rules(), (e: unknown) => e instanceof Forbidden && e.status === 403 && e.slug === "live-key-required");
});
