import { Admin, type KeyCreate, type RulePatch, type WebhookCreate } from "./admin.js";
import { Fleet } from "./fleet.js";
import type { Transport } from "./http.js";
import type { ApiKey, Rule, RuleSpec, WebhookEndpoint } from "./types.js";

/**
 * The workspace administration (a live key with `admin`) as flat methods, named as in the
 * Python client; `admin` also has groups, settings, the audit log and users.
 */
export class Workspace extends Fleet {
  /** Every administration endpoint: `admin.rules`, `admin.webhooks`, `admin.keys`, `admin.groups`, … */
  readonly admin: Admin;

  constructor(transport: Transport, agent?: string, run?: string) {
    super(transport, agent, run);
    this.admin = new Admin(transport);
  }

  rules(): Promise<Rule[]> {
    return this.admin.rules.list();
  }
  rule(id: number): Promise<Rule> {
    return this.admin.rules.get(id);
  }
  createRule(rule: RuleSpec): Promise<Rule> {
    return this.admin.rules.create(rule);
  }
  /** A JSON merge patch: `{enabled: false}`, `{shadow: false}`, … */
  updateRule(id: number, changes: RulePatch): Promise<Rule> {
    return this.admin.rules.update(id, changes);
  }
  deleteRule(id: number): Promise<void> {
    return this.admin.rules.delete(id);
  }

  webhooks(): Promise<WebhookEndpoint[]> {
    return this.admin.webhooks.list();
  }
  webhook(id: number): Promise<WebhookEndpoint> {
    return this.admin.webhooks.get(id);
  }
  /** Adds an endpoint; the answer is the only one that shows its `secret`. */
  createWebhook(endpoint: WebhookCreate): Promise<WebhookEndpoint> {
    return this.admin.webhooks.create(endpoint);
  }
  updateWebhook(id: number, changes: Partial<Omit<WebhookCreate, "secret">>): Promise<WebhookEndpoint> {
    return this.admin.webhooks.update(id, changes);
  }
  deleteWebhook(id: number): Promise<void> {
    return this.admin.webhooks.delete(id);
  }
  /** Queues a signed `ping` to the endpoint; resolves with the delivery's `webhook-id`. */
  testWebhook(id: number): Promise<{ deliveryId: string }> {
    return this.admin.webhooks.test(id);
  }

  keys(): Promise<ApiKey[]> {
    return this.admin.keys.list();
  }
  key(id: number): Promise<ApiKey> {
    return this.admin.keys.get(id);
  }
  /** Makes a key (never with a scope the calling key lacks); the answer alone shows `key`. */
  createKey(key: KeyCreate): Promise<ApiKey> {
    return this.admin.keys.create(key);
  }
  updateKey(id: number, changes: { name?: string; autonomyLevel?: number | null; groups?: string[] }): Promise<ApiKey> {
    return this.admin.keys.update(id, changes);
  }
  /** Revokes the key: it gets `401` from its next request on. */
  deleteKey(id: number): Promise<void> {
    return this.admin.keys.revoke(id);
  }
}
