import { untilAnswered, type DurableOptions } from "./durable.js";
import { Cancelled, Conflict } from "./errors.js";
import { seg, type Query, type Transport } from "./http.js";
import type { Agent, AgentDetail, AgentState, Control, ControlAnswer, Guidance, HeartbeatReport, Page } from "./types.js";

export interface HeartbeatOptions extends HeartbeatReport {
  /** Default: the client's `agent`. */
  agent?: string;
  /** The guidance cursor to read after; default the last one this client read for the agent. */
  after?: string;
  /** Seconds (up to 55) to hold the call while the agent is paused and has nothing new to read. */
  wait?: number;
  signal?: AbortSignal;
}

export interface CheckpointOptions extends HeartbeatReport, DurableOptions {
  agent?: string;
  /** Told each time the server says the agent is paused (the checkpoint keeps waiting). */
  onPaused?: (answer: ControlAnswer) => void;
}

/**
 * The agent's checkpoints and the human controls over agents (a key with `agents`). Guidance
 * cursors are kept per agent name, so no message is read twice by this client.
 */
export class Fleet {
  private readonly cursors = new Map<string, string>();

  constructor(
    protected readonly transport: Transport,
    /** The agent named on pauses, heartbeats and checkpoints unless a call names another. */
    readonly agentName?: string,
    readonly runName?: string,
  ) {}

  /** The cursor after the last guidance this client read for `agent` (keep it across restarts). */
  cursor(agent?: string): string | undefined {
    return this.cursors.get(this.name(agent));
  }

  setCursor(agent: string, cursor: string): void {
    this.cursors.set(agent, cursor);
  }

  /** Reports what the agent does and reads its control and new guidance (advances the cursor). */
  async heartbeat(options: HeartbeatOptions = {}): Promise<ControlAnswer> {
    const { agent: given, after, wait, signal, ...report } = options;
    const agent = this.name(given);
    const answer = await this.transport.request<ControlAnswer>({
      method: "POST",
      path: `/api/agents/${seg(agent)}/heartbeat`,
      query: { after: after ?? this.cursors.get(agent), wait },
      body: { ...report, run: report.run ?? this.runName },
      retry: true, // the same report twice changes nothing
      signal,
      timeoutMs: wait ? (wait + 20) * 1000 : undefined,
    });
    this.cursors.set(agent, answer.body.cursor);
    return answer.body;
  }

  /** Reads the control and new guidance without reporting (advances the cursor). */
  async control(options: Omit<HeartbeatOptions, keyof HeartbeatReport> = {}): Promise<ControlAnswer> {
    const agent = this.name(options.agent);
    const answer = await this.transport.request<ControlAnswer>({
      method: "GET",
      path: `/api/agents/${seg(agent)}/control`,
      query: { after: options.after ?? this.cursors.get(agent), wait: options.wait },
      signal: options.signal,
      timeoutMs: options.wait ? (options.wait + 20) * 1000 : undefined,
    });
    this.cursors.set(agent, answer.body.cursor);
    return answer.body;
  }

  /**
   * A checkpoint between tool calls: reports, waits while a person has the agent paused, and
   * resolves with the guidance messages sent since the last checkpoint once it may go on.
   * Throws `Cancelled` when a person cancelled the run.
   */
  async checkpoint(options: CheckpointOptions = {}): Promise<string[]> {
    const { agent: given, onPaused, onRetry, signal, ...report } = options;
    const agent = this.name(given);
    const run = report.run ?? this.runName;
    const messages: string[] = [];
    for (;;) {
      let answer: ControlAnswer;
      try {
        const wait = this.transport.options.pollWait;
        answer = await untilAnswered(this.transport, { signal, onRetry }, () => this.heartbeat({ ...report, agent, wait, signal }));
      } catch (e) {
        // A heartbeat's only 409: its run was cancelled.
        if (e instanceof Conflict) throw new Cancelled(agent, run);
        throw e;
      }
      messages.push(...answer.guidance.map((g) => g.message));
      if (answer.control === "cancelled") throw new Cancelled(agent, run);
      if (answer.control === "running") return messages;
      onPaused?.(answer);
    }
  }

  // ---- the fleet, as people see it ----

  async agents(query: { state?: AgentState; control?: Control; q?: string; limit?: number; offset?: number } = {}): Promise<Page<Agent>> {
    return (await this.transport.request<Page<Agent>>({ method: "GET", path: "/api/agents", query })).body;
  }

  async agent(name: string): Promise<AgentDetail> {
    return (await this.transport.request<AgentDetail>({ method: "GET", path: `/api/agents/${seg(name)}` })).body;
  }

  /** Pauses an agent: its checkpoints wait until it is resumed. */
  async pauseAgent(name: string): Promise<Agent> {
    return this.post(`/api/agents/${seg(name)}/pause`, undefined, undefined, undefined, true);
  }

  async resumeAgent(name: string): Promise<Agent> {
    return this.post(`/api/agents/${seg(name)}/resume`, undefined, undefined, undefined, true);
  }

  /** Ends the agent's current run: its pending pauses are cancelled, its next checkpoint throws. */
  async cancelAgent(name: string): Promise<Agent> {
    return this.post(`/api/agents/${seg(name)}/cancel`);
  }

  /** Sends the agent a plain-language correction, read at its next checkpoint. */
  async guide(name: string, message: string): Promise<{ agent: string; guidance: Guidance }> {
    return this.post(`/api/agents/${seg(name)}/guide`, { message });
  }

  /** The emergency stop: pauses every agent of the key's mode. */
  async stopAll(): Promise<{ stopped: boolean; stoppedAt: string | null }> {
    return this.post("/api/agents/stop-all", undefined, undefined, undefined, true);
  }

  async resumeAll(): Promise<{ stopped: boolean; stoppedAt: string | null }> {
    return this.post("/api/agents/resume-all", undefined, undefined, undefined, true);
  }

  async cancelRun(run: string): Promise<Record<string, unknown>> {
    return this.post(`/api/runs/${seg(run)}/cancel`);
  }

  /** Deletes an agent (a live key with `agents` and `admin`). */
  async deleteAgent(name: string): Promise<void> {
    await this.transport.request({ method: "DELETE", path: `/api/agents/${seg(name)}` });
  }

  protected async post<T>(path: string, body?: unknown, signal?: AbortSignal, query?: Query, retry = false): Promise<T> {
    return (await this.transport.request<T>({ method: "POST", path, body, signal, query, retry })).body;
  }

  private name(agent: string | undefined): string {
    const name = agent ?? this.agentName;
    if (!name) throw new TypeError("Holdpoint: name the agent (the `agent` option, here or in the constructor)");
    return name;
  }
}
