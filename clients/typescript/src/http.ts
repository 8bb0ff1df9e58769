import { ConnectionFailed, errorFor, type Problem } from "./errors.js";

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface TransportOptions {
  url: string;
  key: string;
  fetch: typeof globalThis.fetch;
  /** Retries of one request that is safe to retry (default 4). */
  maxRetries: number;
  /** The longest single wait before a retry; a longer `Retry-After` is not waited for. */
  maxRetryDelayMs: number;
  /** How long one attempt may take before it counts as a network error (not for long-polls). */
  timeoutMs: number;
  /** How long a wait or a checkpoint rides out a server it cannot reach before giving up. */
  reconnectForMs: number;
  /** Seconds one long-poll asks the server to hold (0 to 55). */
  pollWait: number;
}

export interface Call {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Query;
  /** Sent as JSON; a string is sent as is (so a retry repeats the exact bytes). */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Safe to send again: GETs, POSTs with an Idempotency-Key and calls that change nothing when
   * repeated. Only these are retried, on network errors, 408, 429 and 502–504.
   */
  retry?: boolean;
  signal?: AbortSignal | undefined;
  /** The attempt's own limit, for long-polls that last longer than `timeoutMs`. */
  timeoutMs?: number;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

const RETRYABLE = new Set([408, 429, 502, 503, 504]);
const USER_AGENT = "holdpoint-typescript/0.1.0";

/** Sends one API call, with bounded retries for safe calls; errors become typed exceptions. */
export class Transport {
  constructor(readonly options: TransportOptions) {}

  async request<T>(call: Call): Promise<Answer<T>> {
    const safe = call.retry ?? call.method === "GET";
    for (let attempt = 0; ; attempt++) {
      const canRetry = safe && attempt < this.options.maxRetries;
      let res: Response;
      try {
        res = await this.attempt(call);
      } catch (e) {
        if (call.signal?.aborted) throw call.signal.reason;
        if (!canRetry) {
          throw new ConnectionFailed(
            `${call.method} ${call.path}: ${describe(e)} (${this.options.url})`,
            { cause: e },
          );
        }
        await sleep(backoff(attempt), call.signal);
        continue;
      }
      if (res.ok || res.status === 304) return { status: res.status, headers: res.headers, body: await json<T>(res) };
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
      const problem = await problemOf(res);
      // A 429 without Retry-After (too-many-pending) is freed by a decision, not by time.
      const timed = res.status !== 429 || retryAfter !== undefined;
      if (canRetry && RETRYABLE.has(res.status) && timed) {
        const delay = retryAfter !== undefined ? retryAfter * 1000 : backoff(attempt);
        if (delay <= this.options.maxRetryDelayMs) {
          await sleep(delay, call.signal);
          continue;
        }
      }
      throw errorFor(problem, retryAfter);
    }
  }

  private async attempt(call: Call): Promise<Response> {
    if (call.signal?.aborted) throw call.signal.reason;
    const url = new URL(this.options.url.replace(/\/+$/, "") + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      accept: "application/json, application/problem+json",
      authorization: `Bearer ${this.options.key}`,
      "user-agent": USER_AGENT,
      ...call.headers,
    };
    let body: string | undefined;
    if (call.body !== undefined) {
      body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
      headers["content-type"] = "application/json";
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error("timed out")), call.timeoutMs ?? this.options.timeoutMs);
    const onAbort = () => timeout.abort(call.signal?.reason);
    call.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.options.fetch(url, { method: call.method, headers, body, signal: timeout.signal });
      // Read the body inside the timer too: a server that dies mid-body is a network error.
      const text = await res.text();
      return new Response(res.status === 204 || res.status === 304 ? null : text, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onAbort);
    }
  }
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as Partial<Problem>;
    if (p && typeof p === "object" && typeof p.status === "number") {
      return { ...p, type: p.type ?? "about:blank", title: p.title ?? res.statusText, detail: p.detail ?? "", status: p.status };
    }
  } catch {
    // not JSON: a proxy's page, or the HTTP layer's bare 400
  }
  return { type: "about:blank", title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 500) };
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** 250 ms doubling to 8 s, with ±20 % jitter so restarted fleets do not reconnect in step. */
export function backoff(attempt: number): number {
  const base = Math.min(8000, 250 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

/** A path segment, escaped. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}
