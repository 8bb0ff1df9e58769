import type { Decision } from "./decision.js";

/** An RFC 9457 problem as the server sends it (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The offending member, on `validation-failed`. */
  field?: string;
  /** The scope the key lacks, on `insufficient-scope`. */
  scope?: string;
  /** The resource as it now stands, on a `conflict`. */
  current?: unknown;
  /** Where to step up and decide, on `step-up-required`. */
  stepUpUrl?: string;
  [member: string]: unknown;
}

/**
 * The server answered with an error. `problem` is the whole RFC 9457 body, so callers branch
 * on `type` (`/problems/conflict`) rather than on the wording of `detail`.
 */
export class HoldpointError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly problem: Problem;
  /** Seconds from `Retry-After`, when the answer had one. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = new.target.name;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The slug ending `type`: `conflict`, `insufficient-scope`, … */
  get slug(): string {
    return this.type.slice(this.type.lastIndexOf("/") + 1);
  }
}

/** 400: malformed JSON or query. */
export class BadRequest extends HoldpointError {}
/** 401: no valid key (or an expired one: `slug === "key-expired"`). */
export class Unauthorized extends HoldpointError {}
/** 403: e.g. `insufficient-scope`, `self-decision`, `live-key-required`. */
export class Forbidden extends HoldpointError {}
/** 404: nothing by that id in this workspace and mode. */
export class NotFound extends HoldpointError {}
/** 409: e.g. the pause is no longer pending (`problem.current` holds it) or the run was cancelled. */
export class Conflict extends HoldpointError {}
/** 422: `problem.field` names what is wrong. */
export class ValidationFailed extends HoldpointError {}
/** 429 that was not retried: no `Retry-After`, or one longer than the client waits. */
export class RateLimited extends HoldpointError {}
/** 503 still answered after the retries. */
export class Unavailable extends HoldpointError {}
/** Any other 5xx. */
export class ServerError extends HoldpointError {}

/** The server could not be reached (after the retries a request was allowed); `status` is 0. */
export class ConnectionFailed extends HoldpointError {
  constructor(message: string, options?: { cause?: unknown }) {
    super({ type: "about:blank", title: "Connection failed", status: 0, detail: message });
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

const BY_STATUS: Record<number, typeof HoldpointError> = {
  400: BadRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
  422: ValidationFailed,
  429: RateLimited,
  503: Unavailable,
};

/** The typed error for a problem, so callers can test `e instanceof NotFound`. */
export function errorFor(problem: Problem, retryAfter?: number): HoldpointError {
  const Class = BY_STATUS[problem.status] ?? (problem.status >= 500 ? ServerError : HoldpointError);
  return new Class(problem, retryAfter);
}

/**
 * A person (or a policy) did not approve: rejected, or the pause expired or was cancelled.
 * `reason` is the approver's reason, else what happened.
 */
export class Rejected extends Error {
  readonly reason: string;
  readonly decision: Decision;

  constructor(reason: string, decision: Decision) {
    super(reason);
    this.name = "Rejected";
    this.reason = reason;
    this.decision = decision;
  }
}

/** A person cancelled this agent's run: stop working on it (a new `run` goes on). */
export class Cancelled extends Error {
  readonly agent: string;
  readonly run: string | undefined;

  constructor(agent: string, run?: string) {
    super(`agent ${agent} was cancelled` + (run ? ` (run ${run})` : ""));
    this.name = "Cancelled";
    this.agent = agent;
    this.run = run;
  }
}

/** A webhook whose signature, timestamp or headers do not check out: do not trust its body. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** Why a decision receipt was refused. */
export type InvalidReceiptReason = "format" | "alg" | "kid" | "signature" | "claims" | "issuer" | "expired" | "not_yet_valid";

/** A decision receipt that must not be trusted; `reason` says why (only EdDSA is ever accepted). */
export class InvalidReceipt extends Error {
  readonly reason: InvalidReceiptReason;

  constructor(reason: InvalidReceiptReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = "InvalidReceipt";
    this.reason = reason;
  }
}
