// The test run's stand-in for a person (scripts/clients-test-ts): runs the example agent three
// times and, with human.mjs and the decider key, approves, edits and rejects its email, checking
// what the agent printed each time.
//   HOLDPOINT_URL, HOLDPOINT_KEY (the agent's), HOLDPOINT_DECIDER_KEY: node scripted-human.mjs
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
const run = promisify(execFile);

const cases = [
  {
    name: "approve",
    human: (id) => ["approve", id, "Looks right"],
    expect: /^SENT to=customers@example\.com subject=Our prices change on 1 January /m,
  },
  {
    name: "edit",
    human: (id) => ["approve", id, "--edit", "to=vip@example.com", "--edit", "subject=New prices"],
    expect: /^SENT to=vip@example\.com subject=New prices /m,
  },
  {
    name: "reject",
    human: (id) => ["reject", id, "Not before the board meets"],
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
    if (m) decided.push(run(process.execPath, ["human.mjs", ...c.human(m[1])], { cwd: here }));
  });
  const code = await new Promise((resolve) => agent.on("exit", resolve));
  const answers = await Promise.all(decided);
  const status = answers.map((a) => JSON.parse(a.stdout).status);
  if (code !== 0 || status.length !== 1 || !c.expect.test(output)) {
    console.error(`example agent, ${c.name}: exit ${code}, decisions ${JSON.stringify(status)}, output:\n${output}`);
    process.exit(1);
  }
  console.log(`example agent, ${c.name}: ok (${Date.now() - started} ms): ${output.trim().split("\n").at(-1)}`);
}
