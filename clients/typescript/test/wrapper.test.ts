import assert from "node:assert/strict";
import { test } from "node:test";

import { Rejected, requireApproval } from "holdpoint";

import { deciderClient, unique, watchedAgent } from "./helpers.js";

test("an approved call runs the tool with its own arguments", async () => {
  const { hp, waiting } = watchedAgent();
  const calls: string[] = [];
  const refund = requireApproval({ client: hp, risk: "medium", params: ["order", "amount"] }, async function refund(order: string, amount: number) {
    calls.push(`${order}:${amount}`);
    return "refunded";
  });
  const result = refund("A-1", 40);
  const watchId = await waiting;
  const pause = await deciderClient().approve(watchId);
  assert.equal(pause.status, "approved");
  assert.equal(await result, "refunded");
  assert.deepEqual(calls, ["A-1:40"]);
});

test("the pause shows the tool's name and its arguments by name", async () => {
  const { hp, waiting } = watchedAgent();
  let seen: unknown;
  const refund = requireApproval(
    { client: hp, params: ["order", "amount"], onDecision: (d) => (seen = d.pause) },
    function refund(_order: string, _amount: number) {
      return 1;
    },
  );
  const result = refund("A-2", 10);
  await deciderClient().approve(await waiting);
  await result;
  assert.deepEqual((seen as { tool: string }).tool, "refund");
  assert.deepEqual((seen as { action: string }).action, 'refund(order="A-2", amount=10)');
  assert.deepEqual((seen as { context: unknown }).context, { order: "A-2", amount: 10 });
});

test("a rejected call throws Rejected with the reason and never runs the tool", async () => {
  const { hp, waiting } = watchedAgent();
  let ran = false;
  const wipe = requireApproval({ client: hp, action: (db: string) => `Drop ${db}` }, (db: string) => {
    ran = db.length > 0;
  });
  // The expectation is attached before the decision, so the rejection is never unhandled.
  const refused = assert.rejects(wipe(unique("database")), (e: unknown) =>
    e instanceof Rejected && e.reason === "Not on a Friday" && e.decision.status === "rejected");
  await deciderClient().reject(await waiting, { reason: "Not on a Friday" });
  await refused;
  assert.equal(ran, false);
});

test("an edited call runs the tool with the approver's values in place of the arguments they changed", async () => {
  const { hp, waiting } = watchedAgent();
  const sendEmail = requireApproval(
    { client: hp, params: ["to", "subject"], editable: ["to"] },
    async (to: string, subject: string) => `${to}|${subject}`,
  );
  const result = sendEmail("everyone@example.com", "Launch");
  await deciderClient().approve(await waiting, { edits: { to: "team@example.com" } });
  assert.equal(await result, "team@example.com|Launch");
});

test("a tool taking one object gets the edits merged into it", async () => {
  const { hp, waiting } = watchedAgent();
  const transfer = requireApproval({ client: hp, tool: "transfer", editable: true }, async (args: { to: string; amount: number }) => args);
  const result = transfer({ to: "acct-1", amount: 500 });
  await deciderClient().approve(await waiting, { edits: { amount: 50 } });
  assert.deepEqual(await result, { to: "acct-1", amount: 50 });
});

test("an action template is filled with the arguments, and editable: false offers no edits", async () => {
  const { hp, waiting } = watchedAgent();
  let seen: { action: string; editable?: string[] } | undefined;
  const notify = requireApproval(
    { client: hp, params: ["to", "text"], action: "Message {to}: {text}", editable: false, onDecision: (d) => (seen = d.pause) },
    (to: string, text: string) => `${to}:${text}`,
  );
  const result = notify("ops", "deploy done");
  await deciderClient().approve(await waiting);
  assert.equal(await result, "ops:deploy done");
  assert.equal(seen?.action, "Message ops: deploy done");
  assert.equal(seen?.editable, undefined);
});
