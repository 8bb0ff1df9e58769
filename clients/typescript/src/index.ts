/**
 * Holdpoint's TypeScript client: ESM, on the global `fetch`, no runtime dependencies.
 *
 *     import { Holdpoint } from "holdpoint";
 *     const hp = new Holdpoint(); // HOLDPOINT_URL, HOLDPOINT_KEY
 *     const decision = await hp.requestApproval("Deploy 4821", { tool: "deploy", risk: "high" });
 */
export { Holdpoint } from "./client.js";
export type { HoldpointOptions, PauseOptions, ApprovalOptions, AskedQuestion, AskOptions, PlanOptions, DecideOptions } from "./client.js";
export { Admin, Keys, Webhooks } from "./admin.js";
export type { Collection, GroupCreate, KeyCreate, PolicySettings, RulePatch, WebhookCreate } from "./admin.js";
export { isFinal, type Decision } from "./decision.js";
export type { DurableOptions } from "./durable.js";
export {
  BadRequest,
  Cancelled,
  Conflict,
  ConnectionFailed,
  errorFor,
  Forbidden,
  HoldpointError,
  InvalidReceipt,
  NotFound,
  RateLimited,
  Rejected,
  ServerError,
  Unauthorized,
  Unavailable,
  ValidationFailed,
  WebhookVerificationError,
} from "./errors.js";
export type { InvalidReceiptReason, Problem } from "./errors.js";
export type { CheckpointOptions, HeartbeatOptions } from "./fleet.js";
export { Workspace } from "./workspace.js";
export { requireApproval, type RequireApprovalOptions } from "./wrapper.js";
export {
  canonicalJson,
  receiptMatches,
  receiptRequestHash,
  verifyReceipt,
  type ReceiptClaims,
  type ReceiptJwk,
  type ReceiptJwks,
  type VerifyReceiptOptions,
} from "./receipt.js";
export { signWebhook, verifyWebhook, type HeaderSource, type VerifyOptions } from "./webhook.js";
export * from "./types.js";
