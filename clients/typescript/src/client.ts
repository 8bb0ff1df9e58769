import { randomUUID } from "node:crypto";

import { decisionOf, isFinal, refusalReason, type Decision } from "./decision.js";
import { createDurably, waitUntilFinal, type DurableOptions } from "./durable.js";
import { InvalidReceipt, Rejected } from "./errors.js";
import { verifyReceipt, type ReceiptClaims, type ReceiptJwks, type VerifyReceiptOptions } from "./receipt.js";
import { Workspace } from "./workspace.js";
import { seg, Transport } from "./http.js";
import type {
  Answers,
  CreatePause,
  JsonObject,
  JsonValue,
  OnTimeout,
  Page,
  Pause,
  PauseStatus,
  PolicyVerdict,
  Question,
  QuestionOption,
  RejectOption,
  Risk,
  Settlement,
} from "./types.js";

export interface HoldpointOptions {
  /** The server's base URL; default `HOLDPOINT_URL`, else http://127.0.0.1:8080. */
  url?: string;
  /** An API key (`hitl_live_…` or `hitl_test_…`); default `HOLDPOINT_KEY`. */
  key?: string;
  /** The agent this client speaks for: named on its pauses, used by heartbeats and checkpoints. */
  agent?: string;
  /** The agent's current run. */
  run?: string;
  /** Retries of a request that is safe to retry (default 4). */
  maxRetries?: number;
  /** The longest wait before one retry, `Retry-After` included (default 60 000 ms); a longer one is thrown. */
  maxRetryDelayMs?: number;
  /** How long waits and checkpoints ride out a server they cannot reach (default 300 000 ms). */
  reconnectForMs?: number;
  /** Seconds each long-poll asks the server to hold, 0 to 55 (default 30). */
  pollWait?: number;
  /** How long one ordinary request may take (default 60 000 ms). */
  timeoutMs?: number;
  /** Another `fetch` (a test double, a proxy-aware one); default the global one. */
  fetch?: typeof globalThis.fetch;
}

/** What every pause-creating call takes besides its own arguments. */
export interface PauseOptions extends DurableOptions {
  context?: JsonValue;
  risk?: Risk;
  tool?: string;
  agent?: string;
  run?: string;
  /** The pause's `timeoutSeconds` (10 s to 30 days): how long a person has to decide. */
  timeout?: number;
  metadata?: Record<string, string>;
  callbackUrl?: string;
  onTimeout?: OnTimeout;
  /** Default: a fresh UUID, reused for every retry of this one call. */
  idempotencyKey?: string;
  /** Told once the pause exists (its `watchId`, `statusUrl`), before the wait begins. */
  onCreated?: (pause: Pause) => void;
  /** Told each time a long-poll ends with the pause still pending. */
  onPending?: (pause: Pause) => void;
}

export interface ApprovalOptions extends PauseOptions {
  /** Keys of `context` (an object) a person may change before approving. */
  editable?: string[];
  rejectOptions?: RejectOption[];
  requiredApprovals?: number;
}

/** A question as `ask` takes it: options may be plain labels. */
export interface AskedQuestion extends Omit<Question, "options"> {
  options?: (string | QuestionOption)[];
}

function questionOf(q: string | AskedQuestion): Question {
  if (typeof q === "string") return { question: q };
  const { options, ...rest } = q;
  return options ? { ...rest, options: options.map((o) => (typeof o === "string" ? { label: o } : o)) } : rest;
}

export interface AskOptions extends PauseOptions {
  /** The line shown in the queue; default the first question. */
  action?: string;
}

export interface PlanOptions extends PauseOptions {
  action?: string;
  /** The watchId of the plan this one revises (after changes were requested). */
  revises?: string;
}

export interface DecideOptions {
  reason?: string;
  signal?: AbortSignal;
}

/**
 * A Holdpoint client: the agent's side (ask and wait, durably), the decider's, the fleet's and
 * the workspace administration, each needing a key with the matching scope.
 */
export class Holdpoint extends Workspace {
  /** The server's receipt keys, fetched once (and again for a key it lacks). */
  private receiptKeys: ReceiptJwks | undefined;

  constructor(options: HoldpointOptions = {}) {
    const url = options.url ?? (process.env.HOLDPOINT_URL || "http://127.0.0.1:8080");
    const key = options.key ?? process.env.HOLDPOINT_KEY;
    if (!key) throw new TypeError("Holdpoint: no API key (pass `key` or set HOLDPOINT_KEY)");
    const pollWait = options.pollWait ?? 30;
    if (!(pollWait >= 0 && pollWait <= 55)) throw new RangeError("Holdpoint: pollWait is 0 to 55 seconds (the server's longest wait)");
    const transport = new Transport({
      url,
      key,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      maxRetries: options.maxRetries ?? 4,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 60_000,
      reconnectForMs: options.reconnectForMs ?? 300_000,
      pollWait,
    });
    super(transport, options.agent, options.run);
  }

  // ---- the agent's side ----

  /**
   * Asks a person to approve `action` and waits for the final word, however long it takes and
   * across server restarts. Resolves with the decision (approved or not); rejects only on a
   * refused request (a `HoldpointError`) or an aborted `signal`.
   */
  async requestApproval(action: string, options: ApprovalOptions = {}): Promise<Decision> {
    const body: CreatePause = {
      ...this.common(action, options),
      editable: options.editable,
      rejectOptions: options.rejectOptions,
      requiredApprovals: options.requiredApprovals,
    };
    return decisionOf(await this.createAndWait(body, options));
  }

  /**
   * Asks questions and resolves with the answers by question text; `Rejected` if nobody
   * answered in time. A plain string is a free-text question; options may be plain labels.
   */
  async ask(questions: (string | AskedQuestion)[], options: AskOptions = {}): Promise<Answers> {
    const asked = questions.map(questionOf);
    const first = asked[0]?.question ?? "";
    const action = options.action ?? (first.length > 1000 ? first.slice(0, 999) + "…" : first);
    const body: CreatePause = { ...this.common(action, options), kind: "question", questions: asked };
    const decision = decisionOf(await this.createAndWait(body, options));
    if (decision.answers === null) throw new Rejected(refusalReason(decision), decision);
    return decision.answers;
  }

  /**
   * Submits a plan (Markdown) for review. Resolves with `approved`, or `changes_requested`
   * with the feedback in `reason` (then submit the next version with `revises`).
   */
  async submitPlan(plan: string, options: PlanOptions = {}): Promise<Decision> {
    const heading = /^#+\s*(.+)$/m.exec(plan)?.[1]?.trim();
    const action = options.action ?? `Review the plan: ${heading ?? "untitled"}`.slice(0, 1000);
    const body: CreatePause = { ...this.common(action, options), kind: "plan", plan, revises: options.revises };
    return decisionOf(await this.createAndWait(body, options));
  }

  /** Creates a pause without waiting (the durable create, with an Idempotency-Key). */
  async createPause(body: CreatePause, options: DurableOptions & { idempotencyKey?: string } = {}): Promise<Pause> {
    return createDurably(this.transport, JSON.stringify(body), options.idempotencyKey ?? randomUUID(), options);
  }

  /** Waits until the pause is final, riding out restarts and network errors. */
  async waitFor(watchId: string, options: DurableOptions & { onPending?: (p: Pause) => void } = {}): Promise<Decision> {
    return decisionOf(await waitUntilFinal(this.transport, watchId, options));
  }

  /** One read; with `wait` (seconds, up to 55) the server holds it until the pause is final. */
  async getPause(watchId: string, options: { wait?: number; signal?: AbortSignal } = {}): Promise<Pause> {
    const wait = options.wait;
    const call = { method: "GET" as const, path: `/api/pause/${seg(watchId)}`, query: { wait }, signal: options.signal };
    return (await this.transport.request<Pause>(wait ? { ...call, timeoutMs: (wait + 20) * 1000 } : call)).body;
  }

  async listPauses(query: { status?: PauseStatus; limit?: number; offset?: number; decidedBy?: string } = {}): Promise<Page<Pause>> {
    return (await this.transport.request<Page<Pause>>({ method: "GET", path: "/api/pause", query })).body;
  }

  /** The agent changes its mind: cancels a pending pause (`409` once it is final). */
  async cancelPause(watchId: string): Promise<Pause> {
    return this.post<Pause>(`/api/pause/${seg(watchId)}/cancel`);
  }

  /** Says what the agent did after the decision (only the key that created the pause). */
  async reportOutcome(watchId: string, status: "executed" | "failed" | "skipped", detail?: string): Promise<Pause> {
    return this.post<Pause>(`/api/pause/${seg(watchId)}/outcome`, { status, detail });
  }

  /** What a create with this body would be told by the policy now; creates nothing. */
  async explainPolicy(body: CreatePause): Promise<PolicyVerdict> {
    return (await this.post<{ policy: PolicyVerdict }>("/api/policy/explain", body)).policy;
  }

  // ---- the decider's side (a key with `decide`) ----

  /** Approves, optionally with edits to the pause's editable context keys. */
  async approve(
    watchId: string,
    options: DecideOptions & { edits?: JsonObject; remember?: { expiresInDays?: number } } = {},
  ): Promise<Pause | Settlement> {
    const { signal, ...body } = options;
    return this.post(`/api/pause/${seg(watchId)}/approve`, { approved: true, ...body }, signal);
  }

  /** Rejects (on a plan: requests changes, and then `reason` is required). */
  async reject(watchId: string, options: DecideOptions & { rejectOption?: string } = {}): Promise<Pause | Settlement> {
    const { signal, ...body } = options;
    return this.post(`/api/pause/${seg(watchId)}/approve`, { approved: false, ...body }, signal);
  }

  /** Answers a question pause: `{"<question text>": "<label or text>" | [labels]}`. */
  async answer(watchId: string, answers: Answers): Promise<Pause | Settlement> {
    return this.post(`/api/pause/${seg(watchId)}/answer`, { answers });
  }

  /** Pauses waiting for a decision, newest first (needs `pauses` to read them). */
  async listPending(query: { limit?: number; offset?: number } = {}): Promise<Page<Pause>> {
    return this.listPauses({ ...query, status: "pending" });
  }

  // ---- decision receipts ----

  /** The server's public receipt keys (`/.well-known/jwks.json`), fetched once per client. */
  async jwks(options: { refresh?: boolean } = {}): Promise<ReceiptJwks> {
    if (!this.receiptKeys || options.refresh) {
      this.receiptKeys = (await this.transport.request<ReceiptJwks>({ method: "GET", path: "/.well-known/jwks.json" })).body;
    }
    return this.receiptKeys;
  }

  /**
   * `verifyReceipt` with this server's keys unless `jwks` is given: fetched once, and once more
   * when the receipt names a key the cached set lacks (a rotation since).
   */
  async verifyReceipt(receipt: string, options: VerifyReceiptOptions & { jwks?: ReceiptJwks } = {}): Promise<ReceiptClaims> {
    const { jwks, ...checks } = options;
    if (jwks) return verifyReceipt(receipt, jwks, checks);
    const cached = this.receiptKeys !== undefined;
    try {
      return await verifyReceipt(receipt, await this.jwks(), checks);
    } catch (e) {
      if (!(cached && e instanceof InvalidReceipt && e.reason === "kid")) throw e;
    }
    return verifyReceipt(receipt, await this.jwks({ refresh: true }), checks);
  }

  // ---- internals ----

  private common(action: string, o: PauseOptions): CreatePause {
    return {
      action,
      context: o.context,
      risk: o.risk,
      tool: o.tool,
      agent: o.agent ?? this.agentName,
      run: o.run ?? this.runName,
      timeoutSeconds: o.timeout,
      metadata: o.metadata,
      callbackUrl: o.callbackUrl,
      onTimeout: o.onTimeout,
    };
  }

  private async createAndWait(body: CreatePause, options: PauseOptions): Promise<Pause> {
    const created = await this.createPause(body, options);
    options.onCreated?.(created);
    if (isFinal(created.status)) return created; // a policy decided at once
    return waitUntilFinal(this.transport, created.watchId, options);
  }
}
