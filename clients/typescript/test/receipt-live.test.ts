/**
 * Receipts from the real server: a decided pause's `receipt` verifies with the keys the client
 * fetches, its `req` is the one recomputed from the pause's context and edits, and `jose`
 * agrees on the signature and on the key's RFC 7638 thumbprint.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { calculateJwkThumbprint, compactVerify, importJWK } from "jose";

import { receiptMatches, receiptRequestHash } from "holdpoint";

import { agentClient, allClient, deciderClient, env, unique } from "./helpers.js";

test("an approval with edits carries a receipt for exactly those arguments", async () => {
  const hp = agentClient();
  const action = unique("Email the customer");
  const context = { to: "ann@example.com", body: "Hi Ann", amount: 12.5, tags: ["vip"] };
  const created = await hp.createPause({ action, context, tool: "send_email", editable: ["body"] });
  assert.equal(created.receipt, null);
  await deciderClient().approve(created.watchId, { edits: { body: "Hi Ann, refunded." } });
  const { pause } = await hp.waitFor(created.watchId);
  const claims = await hp.verifyReceipt(pause.receipt!, { issuer: env("HOLDPOINT_URL") });
  assert.deepEqual([claims.sub, claims.status, claims.action, claims.tool], [created.watchId, "approved", action, "send_email"]);
  assert.deepEqual(claims.decidedBy, pause.decidedBy);
  assert.equal(claims.exp - claims.iat, 900, "the default receiptTtlSeconds");
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 120);
  assert.equal(claims.req, receiptRequestHash(pause.context, pause.edits ?? null));
  assert.ok(receiptMatches(claims, context, { body: "Hi Ann, refunded." }, { action, tool: "send_email" }));
  assert.ok(!receiptMatches(claims, context, null));
  assert.ok(!receiptMatches(claims, { ...context, amount: 1250 }, pause.edits ?? null));
});

test("the published key verifies the receipt with jose, and its kid is its RFC 7638 thumbprint", async () => {
  const hp = agentClient();
  const created = await hp.createPause({ action: unique("Rotate the password"), context: { user: "ci" } });
  await deciderClient().approve(created.watchId);
  const { pause } = await hp.waitFor(created.watchId);
  const jwks = await hp.jwks({ refresh: true });
  const signing = jwks.keys[0]!;
  assert.deepEqual([signing.kty, signing.crv, signing.alg, signing.use], ["OKP", "Ed25519", "EdDSA", "sig"]);
  const jwk = { kty: signing.kty, crv: signing.crv!, x: signing.x! };
  assert.equal(await calculateJwkThumbprint(jwk), signing.kid);
  const verified = await compactVerify(pause.receipt!, await importJWK(jwk, "EdDSA"), { algorithms: ["EdDSA"] });
  assert.deepEqual(verified.protectedHeader, { alg: "EdDSA", kid: signing.kid });
  assert.deepEqual(await hp.verifyReceipt(pause.receipt!), JSON.parse(new TextDecoder().decode(verified.payload)));
});

test("a rejection is receipted but does not match an approval, and the receipt is stored", async () => {
  const hp = agentClient();
  const created = await hp.createPause({ action: unique("Drop the table"), context: { table: "users" } });
  await deciderClient().reject(created.watchId, { reason: "No" });
  const { pause } = await hp.waitFor(created.watchId);
  const claims = await hp.verifyReceipt(pause.receipt!);
  assert.deepEqual([claims.status, claims.sub], ["rejected", created.watchId]);
  assert.equal(claims.req, receiptRequestHash({ table: "users" }, null));
  assert.ok(!receiptMatches(claims, { table: "users" }));
  assert.ok(receiptMatches(claims, { table: "users" }, null, { status: "rejected" }));
  assert.equal((await allClient().getPause(created.watchId)).receipt, pause.receipt, "made once, stored");
});

test("the server and the client hash numbers and unicode alike", async () => {
  const hp = agentClient();
  const context = {
    big: 1e21, small: 1e-7, tenth: 0.1, whole: 10.0, huge: 2 ** 64,
    text: "é€😀\uff01\u0001\n", "\uff01": 1, "😀": 2, nested: { b: [1, { d: null, c: true }], a: [] },
  };
  const created = await hp.createPause({ action: "Hash these", context });
  await deciderClient().approve(created.watchId);
  const { pause } = await hp.waitFor(created.watchId);
  assert.ok(receiptMatches(await hp.verifyReceipt(pause.receipt!), context, null, { action: "Hash these" }));
});
