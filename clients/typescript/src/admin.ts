import { seg, type Query, type Transport } from "./http.js";
import type { ApiKey, Group, JsonObject, Risk, Rule, RuleSpec, Scope, WebhookEndpoint } from "./types.js";

/** List, read, create, change and delete one kind of workspace object. */
class Collection<T, Create, Patch> {
  constructor(
    protected readonly transport: Transport,
    protected readonly path: string,
  ) {}

  async list(query: Query = {}): Promise<T[]> {
    return (await this.transport.request<{ items: T[] }>({ method: "GET", path: this.path, query })).body.items;
  }

  async get(id: number | string): Promise<T> {
    return (await this.transport.request<T>({ method: "GET", path: `${this.path}/${seg(id)}` })).body;
  }

  async create(body: Create): Promise<T> {
    return (await this.transport.request<T>({ method: "POST", path: this.path, body })).body;
  }

  /** A JSON merge patch: the members named change, the others stay. */
  async update(id: number | string, patch: Patch): Promise<T> {
    return (await this.transport.request<T>({ method: "PATCH", path: `${this.path}/${seg(id)}`, body: patch })).body;
  }

  async delete(id: number | string): Promise<void> {
    await this.transport.request({ method: "DELETE", path: `${this.path}/${seg(id)}` });
  }
}

export interface WebhookCreate {
  url: string;
  events: string[];
  /** `whsec_` + base64 of 24 to 64 bytes; one is made when left out. */
  secret?: string;
  testEvents?: boolean;
  enabled?: boolean;
}

export class Webhooks extends Collection<WebhookEndpoint, WebhookCreate, Partial<Omit<WebhookCreate, "secret">>> {
  /** Queues a signed `ping` to the endpoint; resolves with the delivery's `webhook-id`. */
  async test(id: number): Promise<{ deliveryId: string }> {
    return (await this.transport.request<{ deliveryId: string }>({ method: "POST", path: `${this.path}/${seg(id)}/test` })).body;
  }
}

export interface KeyCreate {
  name: string;
  scopes?: Scope[];
  test?: boolean;
  autonomyLevel?: number | null;
  groups?: string[];
  /** RFC 3339, ahead of now. */
  expiresAt?: string | null;
}

export class Keys extends Collection<ApiKey, KeyCreate, { name?: string; autonomyLevel?: number | null; groups?: string[] }> {
  /** Revokes the key: it gets `401` from its next request on. */
  async revoke(id: number): Promise<void> {
    await this.delete(id);
  }
}

export type RulePatch = Partial<RuleSpec>;

export interface GroupCreate {
  name: string;
  members?: string[];
}

export interface PolicySettings {
  autonomyLevel: number;
  autonomyShadow: boolean;
  routeTo: Partial<Record<Risk, string | null>>;
  minApprovals: Partial<Record<Risk, number>>;
  noSelfApproval: boolean;
  remindAt: number;
  escalateAt: number;
  escalateTo: string | null;
  onTimeout: string;
  stepUp: boolean;
  keysMayDecideCritical: boolean;
  [member: string]: unknown;
}

/** The workspace by API: a live key with `admin`. Every change is audited as that key. */
export class Admin {
  readonly rules: Collection<Rule, RuleSpec, RulePatch>;
  readonly webhooks: Webhooks;
  readonly keys: Keys;
  readonly groups: Collection<Group, GroupCreate, { name?: string; members?: string[] }>;

  constructor(private readonly transport: Transport) {
    this.rules = new Collection(transport, "/api/rules");
    this.webhooks = new Webhooks(transport, "/api/webhooks");
    this.keys = new Keys(transport, "/api/keys");
    this.groups = new Collection(transport, "/api/groups");
  }

  async policySettings(patch?: Partial<PolicySettings>): Promise<PolicySettings> {
    return this.settingsAt("/api/policy/settings", patch);
  }

  /** The workspace's settings (`defaultTimeoutSecs`, `rejectReasonRequired`, …); a patch changes them. */
  async settings(patch?: JsonObject): Promise<JsonObject> {
    return this.settingsAt("/api/settings", patch);
  }

  async audit(query: { event?: string; actor?: string; from?: string; to?: string; limit?: number; offset?: number } = {}): Promise<{
    items: JsonObject[];
    total: number;
    limit: number;
    offset: number;
  }> {
    return (await this.transport.request<{ items: JsonObject[]; total: number; limit: number; offset: number }>({ method: "GET", path: "/api/audit", query })).body;
  }

  async users(): Promise<{ id: number; email: string; name: string | null; role: string; state: string; lastSignIn: string | null }[]> {
    type User = { id: number; email: string; name: string | null; role: string; state: string; lastSignIn: string | null };
    return (await this.transport.request<{ items: User[] }>({ method: "GET", path: "/api/users" })).body.items;
  }

  private async settingsAt<T>(path: string, patch: unknown): Promise<T> {
    const call = patch === undefined ? { method: "GET" as const, path } : { method: "PATCH" as const, path, body: patch, retry: true };
    return (await this.transport.request<T>(call)).body;
  }
}

export type { Collection };
