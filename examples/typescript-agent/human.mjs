// The person's side from a terminal, with a key holding `decide` (HOLDPOINT_DECIDER_KEY):
//   node human.mjs approve WATCH_ID [REASON] [--edit KEY=VALUE]...
//   node human.mjs reject WATCH_ID [REASON]
// An edit's VALUE is read as JSON when it parses (42, true, {"a":1}), else as text.
// Prints the server's answer.
import { Holdpoint } from "holdpoint";

const [command, watchId, ...rest] = process.argv.slice(2);
const edits = {};
const words = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--edit") {
    const [key, ...value] = (rest[++i] ?? "").split("=");
    edits[key] = parse(value.join("="));
  } else {
    words.push(rest[i]);
  }
}
const reason = words.length ? words.join(" ") : undefined;

if (!watchId || !["approve", "reject"].includes(command)) {
  console.error("usage: node human.mjs approve|reject WATCH_ID [REASON] [--edit KEY=VALUE]...");
  process.exit(2);
}
const human = new Holdpoint({ key: process.env.HOLDPOINT_DECIDER_KEY });
const answer =
  command === "approve"
    ? await human.approve(watchId, { reason, edits: Object.keys(edits).length ? edits : undefined })
    : await human.reject(watchId, { reason });
console.log(JSON.stringify(answer));

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
