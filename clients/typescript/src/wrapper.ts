import { Holdpoint, type ApprovalOptions } from "./client.js";
import { refusalReason, type Decision } from "./decision.js";
import { Rejected } from "./errors.js";
import type { JsonObject, JsonValue } from "./types.js";

export interface RequireApprovalOptions<A extends unknown[]> extends Omit<ApprovalOptions, "context" | "editable"> {
  /** The client to ask with; default one made from HOLDPOINT_URL and HOLDPOINT_KEY at the first call. */
  client?: Holdpoint;
  /**
   * The line a person reads in the queue: a text whose `{name}` placeholders are filled with
   * the arguments (`"Email {to}"`), or a function of the arguments; default the call as
   * `tool(name=value, …)`.
   */
  action?: string | ((...args: A) => string);
  /**
   * The function's parameter names, in order: the context shows each argument by name and an
   * edit of one is passed back in its place. Without them, a single object argument is the
   * context (and edits merge into it); other arguments are shown as `{"args": [...]}`.
   */
  params?: string[];
  /** Which arguments (context keys) a person may change before approving; default `true`: all. */
  editable?: string[] | boolean;
  /** Told the decision before the function runs (or `Rejected` is thrown). */
  onDecision?: (decision: Decision) => void;
}

/**
 * Wraps a tool so that every call first asks a person. Approved: the tool runs, with the
 * approver's edits in place of the arguments they changed. Otherwise the call throws
 * `Rejected(reason)` and the tool never runs. The twin of the Python client's decorator.
 */
export function requireApproval<F extends (...args: any[]) => unknown>(
  options: RequireApprovalOptions<Parameters<F>>,
  fn: F,
): (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>> {
  const { client, action, params, editable, onDecision, ...rest } = options;
  let lazy: Holdpoint | undefined = client;
  const tool = options.tool ?? (fn.name || undefined);
  return async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
    lazy ??= new Holdpoint();
    const context = contextOf(args, params);
    const keys = editable === false ? [] : editable === true || editable === undefined ? Object.keys(context ?? {}) : editable;
    const text = typeof action === "function" ? action(...args) : describe(action, tool, context, args);
    const decision = await lazy.requestApproval(text, {
      ...rest,
      tool,
      context: (context ?? { args: args as JsonValue[] }) as JsonValue,
      editable: context && keys.length > 0 ? keys.slice(0, 20) : undefined,
    });
    onDecision?.(decision);
    if (!decision.approved) throw new Rejected(refusalReason(decision), decision);
    return (await fn(...withEdits(args, params, decision.edits))) as Awaited<ReturnType<F>>;
  };
}

/** The action's text: the template filled in, or the call as `tool(name=value, …)`, at most 1000 characters. */
function describe(template: string | undefined, tool: string | undefined, context: JsonObject | undefined, args: unknown[]): string {
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const text =
    template !== undefined
      ? template.replace(/\{(\w+)\}/g, (whole, name: string) => (context && name in context ? show(context[name]) : whole))
      : `${tool ?? "tool"}(${context ? Object.entries(context).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ") : args.map((a) => JSON.stringify(a)).join(", ")})`;
  return text.length > 1000 ? text.slice(0, 999) + "…" : text;
}

/** The arguments by name, or the one object argument; `undefined` when they have no names. */
function contextOf(args: unknown[], params: string[] | undefined): JsonObject | undefined {
  if (params) return Object.fromEntries(params.map((p, i) => [p, (args[i] ?? null) as JsonValue]));
  if (args.length === 1 && isPlainObject(args[0])) return args[0] as JsonObject;
  return undefined;
}

function withEdits(args: unknown[], params: string[] | undefined, edits: JsonObject): unknown[] {
  if (Object.keys(edits).length === 0) return args;
  if (params) return args.map((a, i) => (params[i] !== undefined && params[i] in edits ? edits[params[i]] : a));
  if (args.length === 1 && isPlainObject(args[0])) return [{ ...(args[0] as object), ...edits }];
  return args;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
