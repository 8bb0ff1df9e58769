import { createHmac, timingSafeEqual } from "node:crypto";

import { WebhookVerificationError } from "./errors.js";
import type { WebhookEvent } from "./types.js";

/** Headers as `fetch` (`Headers`) or `node:http` (`req.headers`) hand them over. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, either way (default 300 s, as Standard Webhooks). */
  toleranceSeconds?: number;
  /** Now, in Unix seconds (for tests). */
  now?: number;
}

/**
 * Checks a Standard Webhooks delivery as Holdpoint signs it (src/notify/webhook.rs):
 * `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
 * the key being the base64 after `whsec_`. Any one matching signature passes (during a secret
 * rotation there are two). Returns the parsed event; throws `WebhookVerificationError` otherwise.
 * Pass the body exactly as received (the raw bytes or their text), never re-serialised JSON.
 */
export function verifyWebhook<D = Record<string, unknown>>(
  payload: string | Uint8Array,
  headers: HeaderSource,
  secret: string,
  options: VerifyOptions = {},
): WebhookEvent<D> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError("webhook-timestamp is not Unix seconds");
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp is more than ${tolerance} s away from now`);
  }
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  const expected = sign(secret, id, timestamp, body);
  const matches = signatures
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .some((s) => {
      const given = Buffer.from(s.slice(3), "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) throw new WebhookVerificationError("no signature matches the secret");
  try {
    return JSON.parse(body.toString("utf8")) as WebhookEvent<D>;
  } catch {
    throw new WebhookVerificationError("the signed body is not JSON");
  }
}

/** `v1,<base64>` for a body: what a server signs, for tests and for forwarding proxies. */
export function signWebhook(payload: string | Uint8Array, secret: string, id: string, timestamp: number): string {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  return `v1,${sign(secret, id, String(timestamp), body).toString("base64")}`;
}

function sign(secret: string, id: string, timestamp: string, body: Buffer): Buffer {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  if (key.length === 0) throw new WebhookVerificationError("the secret is not a whsec_ base64 key");
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const found = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return Array.isArray(value) ? value.join(" ") : value;
}
