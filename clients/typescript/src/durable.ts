import { isFinal } from "./decision.js";
import { ConnectionFailed, HoldpointError } from "./errors.js";
import { backoff, seg, sleep, type Transport } from "./http.js";
import type { Pause } from "./types.js";

export interface DurableOptions {
  signal?: AbortSignal | undefined;
  /** Told of each failed attempt before the next (a restart, a network error, a 503). */
  onRetry?: ((error: Error, attempt: number) => void) | undefined;
}

/**
 * Creates a pause with an Idempotency-Key, sending the same bytes until the server answers:
 * a create that reached the server before a crash is replayed, never made twice.
 */
export async function createDurably(
  transport: Transport,
  body: string,
  idempotencyKey: string,
  options: DurableOptions,
): Promise<Pause> {
  return untilAnswered(transport, options, () =>
    transport
      .request<Pause>({
        method: "POST",
        path: "/api/pause",
        body,
        headers: { "idempotency-key": idempotencyKey },
        retry: false,
        signal: options.signal,
      })
      .then((a) => a.body),
  );
}

/**
 * Long-polls the pause until it is final. The pause lives in the server's database, so a
 * server restart or a dropped connection only delays the answer: this keeps asking.
 */
export async function waitUntilFinal(
  transport: Transport,
  watchId: string,
  options: DurableOptions & { onPending?: ((pause: Pause) => void) | undefined },
): Promise<Pause> {
  for (;;) {
    const wait = transport.options.pollWait;
    const pause = await untilAnswered(transport, options, () =>
      transport
        .request<Pause>({
          method: "GET",
          path: `/api/pause/${seg(watchId)}`,
          query: { wait },
          retry: false,
          signal: options.signal,
          timeoutMs: (wait + 20) * 1000,
        })
        .then((a) => a.body),
    );
    if (isFinal(pause.status)) return pause;
    options.onPending?.(pause);
    if (wait === 0) await sleep(1000, options.signal); // plain polling: once a second
  }
}

/**
 * Runs `once` until it answers, waiting out network errors and timed refusals for as long as
 * the client's `reconnectForMs` (a restart, an upgrade); then the last error is thrown.
 */
export async function untilAnswered<T>(transport: Transport, options: DurableOptions, once: () => Promise<T>): Promise<T> {
  let failingSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      failingSince ??= Date.now();
      const delay = retryDelay(e, attempt);
      if (delay === undefined || Date.now() - failingSince > transport.options.reconnectForMs) throw e;
      options.onRetry?.(e as Error, attempt + 1);
      await sleep(delay, options.signal);
    }
  }
}

function retryDelay(e: unknown, attempt: number): number | undefined {
  const wait = backoff(Math.min(attempt, 4));
  if (e instanceof ConnectionFailed) return wait;
  if (e instanceof HoldpointError) {
    // No Retry-After (too-many-pending), or the month's quota: time will not free it soon.
    if (e.status === 429 && (e.retryAfter === undefined || e.slug === "quota-exceeded")) return undefined;
    if ([408, 429, 502, 503, 504].includes(e.status)) {
      return e.retryAfter !== undefined ? Math.min(e.retryAfter, 60) * 1000 : wait;
    }
  }
  return undefined;
}
