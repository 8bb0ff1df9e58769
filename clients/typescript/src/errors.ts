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
    this.name = "HoldpointError";
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

/** The server could not be reached (after the retries a request was allowed). */
export class HoldpointConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HoldpointConnectionError";
  }
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

/** The agent's run was cancelled by a person: stop working on it. */
export class RunCancelled extends Error {
  readonly agent: string;

  constructor(agent: string) {
    super(`the run of agent \`${agent}\` was cancelled`);
    this.name = "RunCancelled";
    this.agent = agent;
  }
}

/** A webhook whose signature, timestamp or headers do not check out: do not trust its body. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}
