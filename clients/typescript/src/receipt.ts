import { createHash, webcrypto } from "node:crypto";

import { InvalidReceipt } from "./errors.js";
import type { DecidedBy, PauseStatus } from "./types.js";

/**
 * Signed decision receipts, checked offline. A decided pause carries `receipt`, a compact JWS
 * (`{"alg": "EdDSA", "kid"}`) signed with an Ed25519 key the server publishes at
 * `/.well-known/jwks.json`. The service that executes an approved action verifies it without
 * calling Holdpoint and checks that it runs exactly the approved arguments (`req`).
 */

/** A receipt's claims as signed (a newer server may add more). */
export interface ReceiptClaims {
  /** The server's public URL. */
  iss: string;
  /** The pause's watchId. */
  sub: string;
  /** The workspace id. */
  ws: number;
  action: string;
  tool: string | null;
  /** `receiptRequestHash(context, edits)` of the pause as decided. */
  req: string;
  status: PauseStatus;
  decidedBy: DecidedBy | null;
  /** When it was decided, Unix seconds. */
  iat: number;
  /** Unix seconds; from then on the receipt is refused. */
  exp: number;
  [claim: string]: unknown;
}

/** One public key as `/.well-known/jwks.json` lists it. */
export interface ReceiptJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export interface ReceiptJwks {
  keys: ReceiptJwk[];
}

export interface VerifyReceiptOptions {
  /** Now, in Unix seconds (default the clock). */
  now?: number;
  /** The server's public URL; when given, `iss` must be it (a trailing slash is ignored). */
  issuer?: string;
  /** Seconds of clock skew forgiven on `exp` and `iat` (default 0). */
  leeway?: number;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const CLAIM_TYPES: [keyof ReceiptClaims, string[]][] = [
  ["iss", ["string"]], ["sub", ["string"]], ["ws", ["integer"]], ["action", ["string"]],
  ["tool", ["string", "null"]], ["req", ["string"]], ["status", ["string"]],
  ["decidedBy", ["object", "null"]], ["iat", ["integer"]], ["exp", ["integer"]],
];

/**
 * Checks a receipt against a JWKS and resolves with its claims. Only `EdDSA` (Ed25519) is
 * accepted, never `none` nor an HMAC. Rejects with `InvalidReceipt`, whose `reason` says why:
 * `format`, `alg`, `kid`, `signature`, `claims`, `issuer`, `expired`, `not_yet_valid`.
 */
export async function verifyReceipt(receipt: string, jwks: ReceiptJwks, options: VerifyReceiptOptions = {}): Promise<ReceiptClaims> {
  const parts = typeof receipt === "string" ? receipt.split(".") : [];
  if (parts.length !== 3) throw new InvalidReceipt("format", "a receipt is a compact JWS: three base64url parts");
  const [head, body, sig] = parts as [string, string, string];
  const header = jsonPart(head, "header");
  if (header.alg !== "EdDSA") throw new InvalidReceipt("alg", `alg ${JSON.stringify(header.alg)} is not accepted: only EdDSA`);
  if ("crit" in header) throw new InvalidReceipt("format", "the header names critical extensions this client lacks");
  if (typeof header.kid !== "string") throw new InvalidReceipt("format", "the header has no kid");
  const key = await publicKey(jwks, header.kid);
  const signed = new TextEncoder().encode(`${head}.${body}`);
  if (!(await webcrypto.subtle.verify({ name: "Ed25519" }, key, bytes(sig, "signature"), signed))) {
    throw new InvalidReceipt("signature", "the signature does not verify");
  }
  const claims = checkedClaims(jsonPart(body, "payload"));
  if (options.issuer !== undefined && claims.iss !== options.issuer.replace(/\/+$/, "")) {
    throw new InvalidReceipt("issuer", `issued by ${claims.iss}, not ${options.issuer}`);
  }
  const now = options.now ?? Date.now() / 1000;
  const leeway = options.leeway ?? 0;
  if (now >= claims.exp + leeway) throw new InvalidReceipt("expired", `expired at ${claims.exp}`);
  if (claims.iat > now + leeway) throw new InvalidReceipt("not_yet_valid", `issued at ${claims.iat}, in the future`);
  return claims;
}

/**
 * The `req` claim for these arguments: base64url (no padding) of SHA-256 over the RFC 8785
 * JSON of `{"context": context, "edits": edits}`. Pass the pause's `context` and `edits`
 * members as they are (`null` when absent).
 */
export function receiptRequestHash(context: unknown, edits?: unknown): string {
  const canonical = canonicalJson({ context: context ?? null, edits: edits ?? null });
  return createHash("sha256").update(canonical, "utf8").digest("base64url");
}

/**
 * Whether a verified receipt approves exactly this call: `req` recomputed from `context` and
 * `edits` equals the signed one, and `status` (default `approved`; `null`: any), `action` and
 * `tool` (when given) are the signed ones.
 */
export function receiptMatches(
  claims: ReceiptClaims,
  context: unknown,
  edits?: unknown,
  expect: { action?: string; tool?: string | null; status?: PauseStatus | null } = {},
): boolean {
  const status = expect.status === undefined ? "approved" : expect.status;
  if (status !== null && claims.status !== status) return false;
  if (expect.action !== undefined && claims.action !== expect.action) return false;
  if (expect.tool !== undefined && claims.tool !== expect.tool) return false;
  return receiptRequestHash(context, edits) === claims.req;
}

/**
 * RFC 8785 (JSON Canonicalization Scheme): members sorted by UTF-16 code units (what the
 * default sort does), numbers as ECMAScript writes them (what `JSON.stringify` does), no
 * whitespace. Members whose value is `undefined` are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`RFC 8785 has no ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`RFC 8785 has no ${typeof value}`);
}

async function publicKey(jwks: ReceiptJwks, kid: string): Promise<webcrypto.CryptoKey> {
  if (!jwks || !Array.isArray(jwks.keys)) throw new InvalidReceipt("kid", "the JWKS has no `keys` list");
  const jwk = jwks.keys.find((k) => k && k.kid === kid);
  if (!jwk) throw new InvalidReceipt("kid", `no key ${kid} in the JWKS (another server, or a key retired)`);
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || (jwk.alg ?? "EdDSA") !== "EdDSA" || typeof jwk.x !== "string") {
    throw new InvalidReceipt("kid", `key ${kid} is not an Ed25519 signing key`);
  }
  if (bytes(jwk.x, "key").length !== 32) throw new InvalidReceipt("kid", `key ${kid} is not 32 bytes`);
  const only = { kty: "OKP", crv: "Ed25519", x: jwk.x };
  return webcrypto.subtle.importKey("jwk", only, { name: "Ed25519" }, false, ["verify"]);
}

function checkedClaims(c: Record<string, unknown>): ReceiptClaims {
  for (const [name, types] of CLAIM_TYPES) {
    const v = c[name];
    const type = v === null ? "null" : Number.isInteger(v) ? "integer" : Array.isArray(v) ? "array" : typeof v;
    if (!types.includes(type)) throw new InvalidReceipt("claims", `claim ${name} is missing or mistyped`);
  }
  return c as ReceiptClaims;
}

function jsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes(part, what)));
  } catch (e) {
    if (e instanceof InvalidReceipt) throw e;
    throw new InvalidReceipt("format", `the ${what} is not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidReceipt("format", `the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function bytes(part: string, what: string): Uint8Array {
  if (!B64URL.test(part) || part.length % 4 === 1) throw new InvalidReceipt("format", `the ${what} is not base64url`);
  return new Uint8Array(Buffer.from(part, "base64url"));
}
