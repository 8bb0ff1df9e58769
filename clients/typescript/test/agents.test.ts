import assert from "node:assert/strict";
import { test } from "node:test";

import { Cancelled } from "holdpoint";

import { agentClient, unique } from "./helpers.js";

test("heartbeat reports and reads the control, and the fleet lists the agent", async () => {
  const name = unique("ts-bot");
  const hp = agentClient({ agent: name, run: "run-1" });
  const answer = await hp.heartbeat({ state: "acting", tool: "send_email", progress: 40 });
  assert.deepEqual(answer, { control: "running", guidance: [], cursor: "0" });
  const detail = await hp.agent(name);
  assert.equal(detail.state, "acting");
  assert.equal(detail.tool, "send_email");
  assert.equal(detail.progress, 40);
  assert.equal(detail.run, "run-1");
  const page = await hp.agents({ q: name });
  assert.deepEqual(page.items.map((a) => a.name), [name]);
  assert.equal((await hp.control()).control, "running");
});

test("checkpoint waits while the agent is paused and resolves with the guidance once resumed", async () => {
  const name = unique("ts-bot");
  const agent = agentClient({ agent: name, run: "run-1" });
  const human = agentClient(); // the same test key holds `agents`: it may pause and guide
  assert.deepEqual(await agent.checkpoint({ state: "thinking" }), []);
  await human.pauseAgent(name);
  await human.guide(name, "Use only the approved vendor list");
  let settled = false;
  let told: () => void = () => {};
  const paused = new Promise<void>((r) => (told = r));
  const going = agent.checkpoint({ state: "acting", onPaused: () => told() }).finally(() => (settled = true));
  await paused; // the server said "paused" (with the guidance): the checkpoint waits on
  assert.equal(settled, false, "the checkpoint still waits while paused");
  await human.resumeAgent(name);
  assert.deepEqual(await going, ["Use only the approved vendor list"]);
  assert.deepEqual(await agent.checkpoint(), [], "guidance is read once");
  assert.equal(agent.cursor(), "1");
});

test("checkpoint throws RunCancelled once a person cancelled the run, and a new run goes on", async () => {
  const name = unique("ts-bot");
  const agent = agentClient({ agent: name, run: "run-1" });
  await agent.checkpoint({ state: "acting" });
  const cancelled = await agentClient().cancelAgent(name);
  assert.equal(cancelled.ownControl, "cancelled");
  await assert.rejects(agent.checkpoint(), (e: unknown) => e instanceof Cancelled && e.agent === name && e.run === "run-1");
  assert.deepEqual(await agent.checkpoint({ run: "run-2" }), []);
});

test("the emergency stop pauses every agent of the mode and resumeAll lifts it", async () => {
  const hp = agentClient();
  const name = unique("ts-bot");
  await hp.heartbeat({ agent: name });
  try {
    assert.equal((await hp.stopAll()).stopped, true);
    assert.equal((await hp.control({ agent: name })).control, "paused");
  } finally {
    assert.equal((await hp.resumeAll()).stopped, false);
  }
  assert.equal((await hp.control({ agent: name })).control, "running");
});

test("cancelRun cancels the run's pending pauses", async () => {
  const hp = agentClient();
  const run = unique("run");
  const pause = await hp.createPause({ action: unique("Pay invoice"), agent: unique("ts-bot"), run });
  await hp.cancelRun(run);
  assert.equal((await hp.getPause(pause.watchId)).status, "cancelled");
});
