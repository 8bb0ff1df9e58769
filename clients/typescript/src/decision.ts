import type { Answers, DecidedBy, JsonObject, Pause, PauseStatus, PolicyVerdict } from "./types.js";

/** The final word on a pause: what the agent acts on. */
export interface Decision {
  watchId: string;
  status: PauseStatus;
  /** True only for `approved` (a plan approved as is, too). */
  approved: boolean;
  /** The approver's reason; a plan's feedback; `null` when none was given. */
  reason: string | null;
  decidedBy: DecidedBy | null;
  /** `{key: new value}` for each editable context key the approver changed (`{}`: none). */
  edits: JsonObject;
  /** What the policy engine decided and why (`null` on pauses made before policies). */
  policy: PolicyVerdict | null;
  /** The option the person picked to reject, if any. */
  rejectOption: string | null;
  /** A question's answers, once answered. */
  answers: Answers | null;
  /** The whole pause as the server last answered it. */
  pause: Pause;
}

const FINAL: ReadonlySet<PauseStatus> = new Set([
  "approved",
  "rejected",
  "expired",
  "cancelled",
  "changes_requested",
  "answered",
]);

/** True once the pause can change no more (every status but `pending`). */
export function isFinal(status: PauseStatus): boolean {
  return FINAL.has(status);
}

export function decisionOf(pause: Pause): Decision {
  return {
    watchId: pause.watchId,
    status: pause.status,
    approved: pause.status === "approved",
    reason: pause.reason,
    decidedBy: pause.decidedBy,
    edits: pause.edits ?? {},
    policy: pause.policy,
    rejectOption: pause.rejectOption ?? null,
    answers: pause.answers ?? null,
    pause,
  };
}

/** Why a decision is not an approval, in words for `Rejected.reason`. */
export function refusalReason(decision: Decision): string {
  if (decision.reason) return decision.reason;
  switch (decision.status) {
    case "expired":
      return "the pause expired without a decision";
    case "cancelled":
      return "the pause was cancelled";
    case "rejected":
      return decision.rejectOption ? `rejected (${decision.rejectOption})` : "rejected";
    default:
      return decision.status;
  }
}
