import assert from "node:assert/strict";
import { test } from "node:test";

import { Conflict, Forbidden, HoldpointError, isFinal, Rejected, Unauthorized, ValidationFailed, type Pause, type Settlement } from "holdpoint";

import { agentClient, allClient, deciderClient, unique, watchedAgent } from "./helpers.js";

test("requestApproval resolves with the decision once a person with a decide key approves", async () => {
  const { hp, waiting } = watchedAgent();
  const action = unique("Deploy build");
  const asked = hp.requestApproval(action, { context: { build: 4821 }, risk: "medium", tool: "deploy", agent: "ts-deployer", timeout: 600 });
  const settled = (await deciderClient().approve(await waiting, { reason: "Diff reviewed" })) as Settlement;
  assert.equal(settled.status, "approved");
  const decision = await asked;
  assert.equal(decision.approved, true);
  assert.equal(decision.status, "approved");
  assert.equal(decision.reason, "Diff reviewed");
  assert.deepEqual(decision.edits, {});
  assert.equal(decision.decidedBy?.type, "key");
  assert.equal(decision.policy?.result, "wait");
  assert.equal(decision.pause.action, action);
  assert.equal(decision.pause.tool, "deploy");
  assert.equal(decision.pause.risk, "medium");
  assert.equal(decision.pause.agent, "ts-deployer");
  assert.deepEqual(decision.pause.context, { build: 4821 });
  const seconds = (Date.parse(decision.pause.expiresAt) - Date.parse(decision.pause.createdAt)) / 1000;
  assert.equal(seconds, 600, "timeout is the pause's timeoutSeconds");
});

test("a rejection resolves as a decision that is not approved, with the reason and the option picked", async () => {
  const { hp, waiting } = watchedAgent();
  const asked = hp.requestApproval(unique("Refund order"), {
    rejectOptions: [{ name: "too_large", title: "Too large" }],
  });
  await deciderClient().reject(await waiting, { reason: "Over the limit", rejectOption: "too_large" });
  const decision = await asked;
  assert.equal(decision.approved, false);
  assert.equal(decision.status, "rejected");
  assert.equal(decision.reason, "Over the limit");
  assert.equal(decision.rejectOption, "too_large");
});

test("an approval with edits carries them in the decision, the context staying as sent", async () => {
  const { hp, waiting } = watchedAgent();
  const asked = hp.requestApproval(unique("Email the customer"), {
    context: { to: "a@example.com", subject: "Hi" },
    editable: ["to"],
  });
  await deciderClient().approve(await waiting, { edits: { to: "b@example.com" } });
  const decision = await asked;
  assert.deepEqual(decision.edits, { to: "b@example.com" });
  assert.deepEqual(decision.pause.context, { to: "a@example.com", subject: "Hi" });
});

test("ask resolves with the answers a decider gives", async () => {
  const { hp, waiting } = watchedAgent();
  const asked = hp.ask([{ question: "Which region?", options: ["eu", { label: "us", description: "Virginia" }] }, "Anything else?"]);
  const answered = await deciderClient().answer(await waiting, { "Which region?": "eu", "Anything else?": "no" });
  assert.equal(answered.status, "answered");
  assert.deepEqual(await asked, { "Which region?": "eu", "Anything else?": "no" });
});

test("ask throws Rejected when the question is cancelled instead of answered", async () => {
  const { hp, waiting } = watchedAgent();
  const refused = assert.rejects(hp.ask([{ question: unique("Proceed?") }]), (e: unknown) =>
    e instanceof Rejected && e.decision.status === "cancelled");
  await agentClient().cancelPause(await waiting);
  await refused;
});

test("submitPlan resolves with changes requested, and the revision that revises it with approval", async () => {
  const first = watchedAgent();
  const plan = "# Migrate billing\n\n1. Run the migration\n2. Switch traffic\n";
  const asked = first.hp.submitPlan(plan);
  await deciderClient().reject(await first.waiting, { reason: "Take a snapshot first" });
  const sentBack = await asked;
  assert.equal(sentBack.status, "changes_requested");
  assert.equal(sentBack.reason, "Take a snapshot first");
  assert.equal(sentBack.pause.action, "Review the plan: Migrate billing");

  const second = watchedAgent();
  const revised = second.hp.submitPlan("# Migrate billing\n\n0. Snapshot\n" + plan, { revises: sentBack.watchId });
  await deciderClient().approve(await second.waiting);
  const approved = await revised;
  assert.equal(approved.approved, true);
  assert.equal(approved.pause.revises, sentBack.watchId);
});

test("createPause, getPause, listPauses, listPending, cancel and reportOutcome speak the pause API", async () => {
  const hp = agentClient();
  const action = unique("Rotate the password");
  const created = await hp.createPause({ action, metadata: { runId: "r-1" } });
  assert.equal(created.status, "pending");
  assert.equal((await hp.getPause(created.watchId)).action, action);
  assert.ok((await hp.listPauses({ status: "pending", limit: 200 })).items.some((p) => p.watchId === created.watchId));
  assert.ok((await allClient().listPending({ limit: 200 })).items.some((p) => p.watchId === created.watchId));
  const cancelled = await hp.cancelPause(created.watchId);
  assert.equal(cancelled.status, "cancelled");
  assert.ok(isFinal(cancelled.status));

  const decided = await hp.createPause({ action: unique("Send the invoice") });
  await deciderClient().approve(decided.watchId);
  const reported = await hp.reportOutcome(decided.watchId, "executed", "sent as msg 8812");
  assert.equal(reported.outcome?.status, "executed");
  assert.equal(reported.outcome?.detail, "sent as msg 8812");
});

test("the same Idempotency-Key creates one pause, and getPause with wait answers at once for a final pause", async () => {
  const hp = agentClient();
  const body = { action: unique("Charge the card") };
  const idempotencyKey = unique("charge");
  const a = await hp.createPause(body, { idempotencyKey });
  const b = await hp.createPause(body, { idempotencyKey });
  assert.equal(a.watchId, b.watchId);
  await hp.cancelPause(a.watchId);
  assert.equal((await hp.getPause(a.watchId, { wait: 30 })).status, "cancelled");
});

test("a refused request throws a HoldpointError carrying the RFC 9457 problem", async () => {
  const hp = agentClient();
  await assert.rejects(hp.createPause({ action: "x", timeoutSeconds: 1 }), (e: unknown) => {
    assert.ok(e instanceof ValidationFailed && e instanceof HoldpointError);
    assert.equal(e.status, 422);
    assert.equal(e.name, "ValidationFailed");
    assert.equal(e.type, "/problems/validation-failed");
    assert.equal(e.slug, "validation-failed");
    assert.equal(e.title, "Invalid request");
    assert.equal(e.problem.field, "timeoutSeconds");
    assert.match(e.detail, /timeoutSeconds/);
    return true;
  });
  await assert.rejects(deciderClient().listPending(), (e: unknown) =>
    e instanceof Forbidden && e.status === 403 && e.slug === "insufficient-scope" && e.problem.scope === "pauses");
  const pause = await hp.createPause({ action: unique("Decide me twice") });
  await deciderClient().approve(pause.watchId);
  await assert.rejects(deciderClient().approve(pause.watchId), (e: unknown) =>
    e instanceof Conflict && e.status === 409 && (e.problem.current as Pause).status === "approved");
});

test("a wrong key is a 401 HoldpointError", async () => {
  const { Holdpoint } = await import("holdpoint");
  const hp = new Holdpoint({ url: process.env.HOLDPOINT_URL, key: "hitl_test_nope" });
  await assert.rejects(hp.listPauses(), (e: unknown) => e instanceof Unauthorized && e.status === 401 && e.slug === "unauthorized");
});

test("an aborted signal ends the wait; the pause stays and can be waited for again", async () => {
  const { hp, waiting } = watchedAgent();
  const controller = new AbortController();
  const given = assert.rejects(hp.requestApproval(unique("Wait for me"), { signal: controller.signal }), /the agent gave up/);
  const watchId = await waiting;
  controller.abort(new Error("the agent gave up"));
  await given;
  await deciderClient().approve(watchId);
  assert.equal((await agentClient().waitFor(watchId)).approved, true);
});

test("explainPolicy says what a create would be told now", async () => {
  const verdict = await agentClient().explainPolicy({ action: "Anything", tool: "send_email", risk: "low" });
  assert.equal(verdict.result, "wait");
  assert.equal(typeof verdict.explanation, "string");
});
