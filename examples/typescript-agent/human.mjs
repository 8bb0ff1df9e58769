// The test run's stand-in for a person: runs the example agent three times and approves, edits
// and rejects its email with a decider key, checking what the agent printed each time.
//   HOLDPOINT_URL, HOLDPOINT_KEY (the agent's), HOLDPOINT_DECIDER_KEY: node human.mjs
// Run by scripts/clients-test-ts after `npm ci && npm run build` here.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { Holdpoint } from "holdpoint";

const here = fileURLToPath(new URL(".", import.meta.url));
const human = new Holdpoint({ key: process.env.HOLDPOINT_DECIDER_KEY });

const cases = [
  {
    name: "approve",
    decide: (id) => human.approve(id, { reason: "Looks right" }),
    expect: /^SENT to=customers@example\.com subject=Our prices change on 1 January/m,
  },
  {
    name: "edit",
    decide: (id) => human.approve(id, { edits: { to: "vip@example.com", subject: "New prices" } }),
    expect: /^SENT to=vip@example\.com subject=New prices /m,
  },
  {
    name: "reject",
    decide: (id) => human.reject(id, { reason: "Not before the board meets" }),
    expect: /^NOT SENT: Not before the board meets$/m,
  },
];

for (const c of cases) {
  const started = Date.now();
  const agent = spawn(process.execPath, ["dist/agent.js", "customers@example.com"], { cwd: here, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const decided = [];
  createInterface({ input: agent.stdout }).on("line", (line) => {
    output += line + "\n";
    const m = /^waiting for a decision on (\S+)$/.exec(line);
    if (m) decided.push(c.decide(m[1]));
  });
  const code = await new Promise((resolve) => agent.on("exit", resolve));
  await Promise.all(decided);
  if (code !== 0 || decided.length !== 1 || !c.expect.test(output)) {
    console.error(`example agent, ${c.name}: exit ${code}, ${decided.length} pause(s), output:\n${output}`);
    process.exit(1);
  }
  console.log(`example agent, ${c.name}: ok (${Date.now() - started} ms) — ${output.trim().split("\n").at(-1)}`);
}
