/** What the tests share: the server scripts/with-server started, and servers of their own. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { Holdpoint } from "holdpoint";

/** An environment variable scripts/with-server sets; the suite fails (never skips) without it. */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with scripts/with-server -- npm test`);
  return value;
}

/** The agent (test key: pauses, agents), the human (test key: decide), both, and the admin. */
export const agentClient = (options: { agent?: string; run?: string; fetch?: typeof fetch } = {}) =>
  new Holdpoint({ url: env("HOLDPOINT_URL"), key: env("HOLDPOINT_KEY"), ...options });

/** An agent client and the watchId of its next pause, known once it waits on it. */
export function watchedAgent(options: { agent?: string; run?: string } = {}): { hp: Holdpoint; waiting: Promise<string> } {
  const spy = spyingFetch();
  return { hp: agentClient({ ...options, fetch: spy.fetch }), waiting: spy.waiting };
}
export const deciderClient = () => new Holdpoint({ url: env("HOLDPOINT_URL"), key: env("HOLDPOINT_DECIDER_KEY") });
export const allClient = () => new Holdpoint({ url: env("HOLDPOINT_URL"), key: env("HOLDPOINT_TEST_ALL_KEY") });
export const adminClient = () => new Holdpoint({ url: env("HOLDPOINT_URL"), key: env("HOLDPOINT_ADMIN_KEY") });

/** A name no other test (nor the Python suite on the same server) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A `fetch` that tells when a long-poll on a pause starts, with the pause's watchId. */
export function spyingFetch(): { fetch: typeof fetch; waiting: Promise<string> } {
  let seen: (watchId: string) => void = () => {};
  const waiting = new Promise<string>((resolve) => (seen = resolve));
  const spy: typeof fetch = (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const m = /^\/api\/pause\/([^/]+)$/.exec(url.pathname);
    if (m?.[1] && url.searchParams.has("wait")) seen(m[1]);
    return fetch(input, init);
  };
  return { fetch: spy, waiting };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A server of the test's own, from $HOLDPOINT_BIN, on its own data directory and a fixed port
 * (so it can be killed and started again at the same address), allowing webhooks to loopback.
 */
export class OwnServer {
  readonly dir = mkdtempSync(join(tmpdir(), "holdpoint-ts-"));
  readonly bin = env("HOLDPOINT_BIN");
  proc: ChildProcess | undefined;
  url = "";

  constructor(readonly port: number) {}

  static async start(): Promise<OwnServer> {
    const server = new OwnServer(await freePort());
    await server.run();
    return server;
  }

  async run(): Promise<void> {
    const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HOLDPOINT_")));
    const args = ["--data-dir", this.dir, "--bind", `127.0.0.1:${this.port}`, "--webhook-allow-private", "true"];
    const proc = spawn(this.bin, args, { env: cleanEnv, stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    const lines = createInterface({ input: proc.stderr! });
    this.url = await new Promise<string>((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`holdpoint exited (${code}) before listening`)));
      lines.on("line", (line) => {
        const m = /public_url=("?)(\S+?)\1(\s|$)/.exec(line);
        if (m?.[2]) resolve(m[2]);
      });
    });
  }

  /** `holdpoint key create` on this server's data directory. */
  key(name: string, scopes: string[], test = true): string {
    const args = ["--data-dir", this.dir, "key", "create", "--workspace", "1", "--name", name];
    if (test) args.push("--test");
    for (const s of scopes) args.push("--scope", s);
    const out = spawnSync(this.bin, args, { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`key create failed: ${out.stderr}`);
    return out.stdout.trim();
  }

  /** SIGKILL: no shutdown, no flush; what the database holds is all that survives. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
