/**
 * Receipt verification offline: receipts signed by an independent JOSE library (`jose`), and
 * `req` against RFC 8785's own examples cross-checked with the `canonicalize` package. No server.
 */
import assert from "node:assert/strict";
import { createHash, webcrypto } from "node:crypto";
import { test } from "node:test";

import canonicalize from "canonicalize";
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type JWK } from "jose";

import {
  canonicalJson,
  Holdpoint,
  InvalidReceipt,
  receiptMatches,
  receiptRequestHash,
  verifyReceipt,
  type InvalidReceiptReason,
  type JsonValue,
  type ReceiptJwks,
  type VerifyReceiptOptions,
} from "holdpoint";

const NOW = 1_800_000_000;
const CONTEXT = { to: "ann@example.com", body: "Hi Ann", amount: 12.5 };
const EDITS = { body: "Hi Ann, refunded." };

async function keyPair() {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...pair, kid, jwk: { ...jwk, kid, alg: "EdDSA", use: "sig" } as JWK & { kty: string; kid: string } };
}
const KEY = await keyPair();
const OTHER = await keyPair();
const JWKS: ReceiptJwks = { keys: [KEY.jwk] };

const claims = (changes: Record<string, unknown> = {}) => ({
  iss: "https://hp.example.com",
  sub: "w_7Kd2",
  ws: 1,
  action: "Email Ann",
  tool: "send_email",
  req: receiptRequestHash(CONTEXT, EDITS),
  status: "approved",
  decidedBy: { type: "key", id: 4, name: "ci" },
  iat: NOW,
  exp: NOW + 900,
  ...changes,
});

async function sign(body: object, key: webcrypto.CryptoKey | Uint8Array = KEY.privateKey, alg = "EdDSA", kid = KEY.kid): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({ alg, kid }).sign(key);
}
const b64 = (text: string) => Buffer.from(text).toString("base64url");

async function reason(receipt: string, options: VerifyReceiptOptions = {}, jwks = JWKS): Promise<InvalidReceiptReason> {
  try {
    await verifyReceipt(receipt, jwks, { now: NOW, ...options });
  } catch (e) {
    assert.ok(e instanceof InvalidReceipt, String(e));
    return e.reason;
  }
  assert.fail("the receipt verified");
}

test("a receipt signed with a published key verifies and resolves with its claims", async () => {
  const got = await verifyReceipt(await sign(claims()), JWKS, { now: NOW + 10, issuer: "https://hp.example.com/" });
  assert.deepEqual(got, claims());
});

test("a changed claim under the original signature fails", async () => {
  const [head, , sig] = (await sign(claims())).split(".");
  const forged = b64(JSON.stringify(claims({ action: "Email everyone" })));
  assert.equal(await reason(`${head}.${forged}.${sig}`), "signature");
});

test("a receipt signed by another key fails, under the published kid or its own", async () => {
  assert.equal(await reason(await sign(claims(), OTHER.privateKey)), "signature");
  assert.equal(await reason(await sign(claims(), OTHER.privateKey, "EdDSA", OTHER.kid)), "kid");
  assert.equal(await reason(await sign(claims()), {}, { keys: [OTHER.jwk] }), "kid");
});

test("a retired key still in the JWKS verifies", async () => {
  const got = await verifyReceipt(await sign(claims()), { keys: [OTHER.jwk, KEY.jwk] }, { now: NOW });
  assert.equal(got.sub, "w_7Kd2");
});

test("an expired receipt fails unless the leeway covers it; one from the future is not yet valid", async () => {
  const receipt = await sign(claims());
  assert.equal((await verifyReceipt(receipt, JWKS, { now: NOW + 899 })).exp, NOW + 900);
  assert.equal(await reason(receipt, { now: NOW + 900 }), "expired");
  assert.equal((await verifyReceipt(receipt, JWKS, { now: NOW + 930, leeway: 60 })).iat, NOW);
  assert.equal(await reason(receipt, { now: NOW - 61, leeway: 60 }), "not_yet_valid");
});

test("alg none and HS256 (keyed with the public key's bytes) are refused", async () => {
  const body = b64(JSON.stringify(claims()));
  assert.equal(await reason(`${b64(JSON.stringify({ alg: "none", kid: KEY.kid }))}.${body}.`), "alg");
  const secret = new Uint8Array(Buffer.from(KEY.jwk.x!, "base64url"));
  assert.equal(await reason(await sign(claims(), secret, "HS256")), "alg");
});

test("another issuer, a missing claim and what is not a compact JWS fail", async () => {
  assert.equal(await reason(await sign(claims()), { issuer: "https://other.example.com" }), "issuer");
  const { req: _req, ...noReq } = claims();
  assert.equal(await reason(await sign(noReq)), "claims");
  assert.equal(await reason(await sign(claims({ ws: "1" }))), "claims");
  for (const bad of ["", "abc", "a.b", "a.b.c.d", "!!.e30.AA", "e30.e30.AA", "WzFd.e30.AA"]) {
    assert.ok(["format", "alg"].includes(await reason(bad)), bad);
  }
});

// RFC 8785 section 3.2.2 (values) and 3.2.3 (sorting by UTF-16 code units), then this
// contract's own cases; the same canonical texts are pinned in the Python client's tests.
const RFC_VALUES = JSON.parse(
  '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
);
const RFC_SORT = JSON.parse(
  '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
);
const VECTORS: [JsonValue | null, JsonValue | null, string][] = [
  [null, null, '{"context":null,"edits":null}'],
  [RFC_VALUES, null, '{"context":{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"},"edits":null}'],
  [RFC_SORT, null, '{"context":{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"},"edits":null}'],
  [{ b: [1e21, 0.1, 1e-7, 10.0, -0, 2 ** 53 + 2, 5e-324], a: { z: true, A: null } }, {}, '{"context":{"a":{"A":null,"z":true},"b":[1e+21,0.1,1e-7,10,0,9007199254740994,5e-324]},"edits":{}}'],
  [CONTEXT, EDITS, '{"context":{"amount":12.5,"body":"Hi Ann","to":"ann@example.com"},"edits":{"body":"Hi Ann, refunded."}}'],
];

test("the request hash is SHA-256 of the RFC 8785 JSON, as the canonicalize package writes it", () => {
  for (const [context, edits, canonical] of VECTORS) {
    assert.equal(canonicalJson({ context, edits }), canonical);
    assert.equal(canonicalize({ context, edits }), canonical);
    assert.equal(receiptRequestHash(context, edits), createHash("sha256").update(canonical).digest("base64url"));
  }
  // The same vector and value are pinned in the Python client's tests.
  assert.equal(receiptRequestHash(CONTEXT, EDITS), "1ArOeQZPdwM54WZGDwVve5ZZaSBP_Z23S9U6gUNlj1M");
  assert.equal(receiptRequestHash(undefined), receiptRequestHash(null, null));
  assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
});

test("receiptMatches checks the arguments, the status and the action", async () => {
  const got = await verifyReceipt(await sign(claims()), JWKS, { now: NOW });
  assert.ok(receiptMatches(got, CONTEXT, EDITS, { action: "Email Ann", tool: "send_email" }));
  assert.ok(receiptMatches(got, { amount: 12.5, body: "Hi Ann", to: "ann@example.com" }, EDITS));
  assert.ok(!receiptMatches(got, { ...CONTEXT, amount: 13 }, EDITS));
  assert.ok(!receiptMatches(got, CONTEXT, null));
  assert.ok(!receiptMatches(got, CONTEXT, EDITS, { action: "Email Bob" }));
  const rejected = await verifyReceipt(await sign(claims({ status: "rejected" })), JWKS, { now: NOW });
  assert.ok(!receiptMatches(rejected, CONTEXT, EDITS));
  assert.ok(receiptMatches(rejected, CONTEXT, EDITS, { status: null }));
});

test("the client fetches the JWKS once, and again for a key it lacks", async () => {
  const served = [JWKS, { keys: [OTHER.jwk, KEY.jwk] }];
  const paths: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    paths.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
    return Response.json(served[Math.min(paths.length, 2) - 1]);
  };
  const hp = new Holdpoint({ url: "http://hp.test", key: "hitl_test_x", fetch });
  assert.equal((await hp.verifyReceipt(await sign(claims()), { now: NOW })).sub, "w_7Kd2");
  assert.equal((await hp.verifyReceipt(await sign(claims({ sub: "w_2" })), { now: NOW })).sub, "w_2");
  assert.deepEqual(paths, ["/.well-known/jwks.json"]);
  const rotated = await sign(claims(), OTHER.privateKey, "EdDSA", OTHER.kid);
  assert.equal((await hp.verifyReceipt(rotated, { now: NOW })).sub, "w_7Kd2");
  assert.equal(paths.length, 2);
  assert.equal((await hp.verifyReceipt(await sign(claims()), { jwks: { keys: [KEY.jwk] }, now: NOW })).ws, 1);
  assert.equal(paths.length, 2);
});
