import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { ConnectionFailed, Holdpoint, HoldpointError, RateLimited, Unavailable } from "holdpoint";

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A local stand-in for the server: answers each request with the next reply, then the last. */
async function fake(replies: Reply[], maxRetries = 4): Promise<{ hp: Holdpoint; url: string; hits: { method: string; at: number; key?: string }[]; close: () => void }> {
  const hits: { method: string; at: number; key?: string }[] = [];
  const server = createServer((req, res) => {
    const key = req.headers["idempotency-key"];
    hits.push({ method: req.method ?? "", at: Date.now(), key: typeof key === "string" ? key : undefined });
    req.resume();
    req.on("end", () => (replies[Math.min(hits.length, replies.length) - 1] ?? replies[0]!)(req, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const hp = new Holdpoint({ url, key: "hitl_test_fake", maxRetryDelayMs: 5000, maxRetries });
  return { hp, url, hits, close: () => server.close() };
}

const problem = (status: number, slug: string, headers: Record<string, string> = {}): Reply => (_req, res) => {
  res.writeHead(status, { "content-type": "application/problem+json", ...headers });
  res.end(JSON.stringify({ type: `/problems/${slug}`, title: slug, status, detail: `a ${status}` }));
};
const ok = (body: unknown): Reply => (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const page = { items: [], total: 0, limit: 50, offset: 0 };

test("a GET answered 503 with Retry-After is sent again after that many seconds", async () => {
  const { hp, hits, close } = await fake([problem(503, "unavailable", { "retry-after": "1" }), ok(page)]);
  try {
    assert.deepEqual(await hp.listPauses(), page);
    assert.equal(hits.length, 2);
    assert.ok(hits[1]!.at - hits[0]!.at >= 950, `waited ${hits[1]!.at - hits[0]!.at} ms`);
  } finally {
    close();
  }
});

test("a 429 with Retry-After is retried, and a POST with an Idempotency-Key keeps its key", async () => {
  const created = { watchId: "w1", status: "pending" };
  const { hp, hits, close } = await fake([problem(429, "rate-limited", { "retry-after": "1" }), (_q, res) => {
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify(created));
  }]);
  try {
    assert.deepEqual(await hp.createPause({ action: "x" }, { idempotencyKey: "k-1" }), created);
    assert.deepEqual(hits.map((h) => h.key), ["k-1", "k-1"]);
    assert.ok(hits[1]!.at - hits[0]!.at >= 950);
  } finally {
    close();
  }
});

test("a POST without an Idempotency-Key is never sent twice", async () => {
  const { hp, hits, close } = await fake([problem(503, "unavailable", { "retry-after": "1" }), ok({})]);
  try {
    await assert.rejects(hp.guide("bot", "hello"), (e: unknown) =>
      e instanceof Unavailable && e.status === 503 && e.retryAfter === 1 && e.slug === "unavailable");
    assert.equal(hits.length, 1);
  } finally {
    close();
  }
});

test("a Retry-After beyond the client's limit is not waited for", async () => {
  const { hp, hits, close } = await fake([problem(429, "quota-exceeded", { "retry-after": "86400" })]);
  try {
    await assert.rejects(hp.listPauses(), (e: unknown) => e instanceof RateLimited && e.retryAfter === 86400);
    assert.equal(hits.length, 1);
  } finally {
    close();
  }
});

test("a 429 without Retry-After (too many pending) is not retried", async () => {
  const { hp, hits, close } = await fake([problem(429, "too-many-pending")]);
  try {
    await assert.rejects(hp.listPauses(), (e: unknown) => e instanceof HoldpointError && e.slug === "too-many-pending");
    assert.equal(hits.length, 1);
  } finally {
    close();
  }
});

test("a dropped connection is retried for a GET, and the retries are bounded", async () => {
  const drop: Reply = (req) => req.socket.destroy();
  const recovers = await fake([drop, ok(page)]);
  try {
    assert.deepEqual(await recovers.hp.listPauses(), page);
    assert.equal(recovers.hits.length, 2);
  } finally {
    recovers.close();
  }
  const never = await fake([drop], 2);
  try {
    await assert.rejects(never.hp.listPauses(), (e: unknown) => e instanceof ConnectionFailed && e.status === 0);
    assert.equal(never.hits.length, 3, "the first try and maxRetries (2) retries");
  } finally {
    never.close();
  }
});

test("a body that is not a problem still becomes a HoldpointError with its status", async () => {
  const { hp, close } = await fake([(_req, res) => res.writeHead(400).end("bad request line")]);
  try {
    await assert.rejects(hp.listPauses(), (e: unknown) => e instanceof HoldpointError && e.status === 400 && e.detail === "bad request line");
  } finally {
    close();
  }
});

test("a wait rides out an unreachable server for reconnectForMs, then throws ConnectionFailed", async () => {
  const { url, close } = await fake([ok(page)]);
  close(); // nothing listens there any more
  const hp = new Holdpoint({ url, key: "hitl_test_fake", reconnectForMs: 600 });
  const retries: number[] = [];
  const started = Date.now();
  await assert.rejects(hp.requestApproval("x", { onRetry: (_e, n) => retries.push(n) }), (e: unknown) => e instanceof ConnectionFailed);
  assert.ok(Date.now() - started >= 600, "it kept trying for reconnectForMs");
  assert.ok(retries.length >= 2);
});
