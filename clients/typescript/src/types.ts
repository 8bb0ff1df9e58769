/**
 * The JSON shapes the Holdpoint API speaks, as README.md's API reference describes them.
 * Members the server may add later are allowed: readers check `type`/`status` and ignore the rest.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type PauseStatus =
  | "pending"
  | "approved"
  | "rejected"
  | "expired"
  | "cancelled"
  | "changes_requested"
  | "answered";
export type PauseKind = "approval" | "question" | "plan";
export type Risk = "low" | "medium" | "high" | "critical";
export type OnTimeout = "expire" | "reject" | "wait";

/** Who decided: read `type` first; more types may come. */
export type DecidedBy =
  | { type: "user"; email: string; name: string | null }
  | { type: "key"; name: string; prefix: string }
  | { type: "policy"; name: string }
  | { type: string; [member: string]: unknown };

export interface PolicyVerdict {
  result: string;
  source: string;
  rule: string | null;
  band: string;
  autonomyLevel: number;
  explanation: string;
  shadow: unknown;
  group?: string | null;
  routedBy?: string | null;
  [member: string]: unknown;
}

export interface Vote {
  by: DecidedBy;
  approved: boolean;
  reason: string | null;
  at: string;
}

export interface QuestionOption {
  label: string;
  description?: string;
}

export interface Question {
  question: string;
  header?: string;
  options?: QuestionOption[];
  multiSelect?: boolean;
  allowFreeText?: boolean;
}

/** `{"<question text>": "<label or free text>"}`, a list for a `multiSelect` question. */
export type Answers = Record<string, string | string[]>;

export interface RejectOption {
  name: string;
  title: string;
  description?: string;
}

export interface Outcome {
  status: "executed" | "failed" | "skipped";
  detail: string | null;
  at: string;
  by: DecidedBy;
}

/** A pause as `GET /api/pause/:watchId` answers it. */
export interface Pause {
  watchId: string;
  statusUrl: string;
  status: PauseStatus;
  kind: PauseKind;
  action: string;
  context: JsonValue | null;
  metadata: Record<string, string> | null;
  callbackUrl: string | null;
  test: boolean;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: DecidedBy | null;
  reason: string | null;
  contextPurgedAt?: string;
  plan?: string;
  revises?: string;
  revisedBy?: string;
  questions?: Question[];
  answers?: Answers;
  agent?: string;
  run?: string;
  editable?: string[];
  edits?: JsonObject;
  rejectOptions?: RejectOption[];
  rejectOption?: string;
  outcome?: Outcome;
  risk?: Risk;
  tool?: string;
  policy: PolicyVerdict | null;
  group: string | null;
  requiredApprovals: number;
  approvalsNeeded: number;
  votes: Vote[];
  onTimeout: OnTimeout;
  overdue?: true;
  /**
   * The signed decision receipt (a compact JWS: `verifyReceipt`) once approved, answered,
   * rejected or sent back; `null` before and for expired or cancelled pauses.
   */
  receipt?: string | null;
}

/** What a key with `decide` but not `pauses` gets back from a decision. */
export interface Settlement {
  watchId: string;
  status: PauseStatus;
  decidedBy: DecidedBy | null;
  decidedAt: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** The body of `POST /api/pause`. */
export interface CreatePause {
  action: string;
  context?: JsonValue;
  timeoutSeconds?: number;
  callbackUrl?: string;
  metadata?: Record<string, string>;
  editable?: string[];
  rejectOptions?: RejectOption[];
  kind?: PauseKind;
  plan?: string;
  revises?: string;
  agent?: string;
  run?: string;
  questions?: Question[];
  risk?: Risk;
  tool?: string;
  autonomyLevel?: number;
  requiredApprovals?: number;
  onTimeout?: OnTimeout;
}

export type AgentState = "idle" | "thinking" | "acting" | "waiting" | "complete" | "error";
export type Control = "running" | "paused" | "cancelled";

/** A heartbeat's report: a missing member keeps the stored value, `null` clears it. */
export interface HeartbeatReport {
  state?: AgentState;
  tool?: string | null;
  progress?: number | null;
  run?: string;
}

export interface Guidance {
  id: number;
  message: string;
  from: string;
  createdAt: string;
}

/** The answer of a heartbeat or a control read. */
export interface ControlAnswer {
  control: Control;
  guidance: Guidance[];
  cursor: string;
  skipped?: number;
}

export interface Agent {
  name: string;
  control: Control;
  ownControl: Control;
  stopped: boolean;
  state: AgentState | null;
  tool: string | null;
  progress: number | null;
  run: string | null;
  pendingPauses: number;
  firstSeenAt: string;
  lastSeenAt: string;
  controlChangedAt: string | null;
}

export interface AgentDetail extends Agent {
  pinnedKey: { name: string; prefix: string } | null;
  pending: string[];
  guidance: Guidance[];
  history: { at: string; state: AgentState | null; tool: string | null; run: string | null }[];
}

export type Scope = "pauses" | "decide" | "agents" | "admin";

export interface WebhookEndpoint {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  testEvents: boolean;
  createdAt: string;
  /** Only in the answer to its creation. */
  secret?: string;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  test: boolean;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  autonomyLevel: number | null;
  groups: string[];
  pinnedAgents: string[];
  /** The whole key: only in the answer to its creation. */
  key?: string;
}

export interface RuleMatch {
  tool?: string;
  agent?: string;
  keyId?: number;
  metadata?: Record<string, string>;
  context?: Record<string, string>;
}

export interface RuleSpec {
  name: string;
  effect: "allow" | "deny" | "route";
  enabled?: boolean;
  shadow?: boolean;
  match: RuleMatch;
  maxRisk?: Risk | null;
  expiresAt?: string | null;
  note?: string | null;
  routeTo?: string | null;
}

export interface Rule extends Required<Omit<RuleSpec, "maxRisk" | "expiresAt" | "note" | "routeTo">> {
  id: number;
  maxRisk: Risk | null;
  expiresAt: string | null;
  note: string | null;
  routeTo: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  hits: number;
  lastHitAt: string | null;
  shadowHits: number;
}

export interface Group {
  name: string;
  members: { email: string; name: string | null }[];
  keys: { name: string; prefix: string }[];
  createdAt: string;
}

/** A Standard Webhooks event as Holdpoint sends it. */
export interface WebhookEvent<D = Record<string, unknown>> {
  type: string;
  timestamp: string;
  data: D;
}
