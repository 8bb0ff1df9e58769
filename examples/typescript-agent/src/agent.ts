/**
 * A small agent whose one risky tool, sending an email, waits for a person first.
 *
 *   node dist/agent.js [RECIPIENT]
 *
 * HOLDPOINT_URL and HOLDPOINT_KEY (a key with `pauses`) say where to ask. The person approves,
 * edits the recipient or subject before approving, or rejects; the agent acts on each.
 */
import { Holdpoint, Rejected, requireApproval } from "holdpoint";

const hp = new Holdpoint({ agent: "ts-example-agent" });

/** The tool as the model would call it: it runs only once a person approved. */
const sendEmail = requireApproval(
  {
    client: hp,
    params: ["to", "subject", "body"],
    editable: ["to", "subject"],
    risk: "medium",
    timeout: 900,
    action: (to: string, subject: string) => `Send the email "${subject}" to ${to}`,
    onCreated: (pause) => console.log(`waiting for a decision on ${pause.watchId}`),
  },
  async function send_email(to: string, subject: string, body: string) {
    // A real agent would call its mail provider here.
    console.log(`SENT to=${to} subject=${subject} (${body.length} characters)`);
    return { delivered: true };
  },
);

const recipient = process.argv[2] ?? "customers@example.com";
try {
  await hp.heartbeat({ state: "acting", tool: "send_email" });
  await sendEmail(recipient, "Our prices change on 1 January", "Dear customer, ...");
  await hp.heartbeat({ state: "complete", tool: null });
} catch (e) {
  if (!(e instanceof Rejected)) throw e;
  console.log(`NOT SENT: ${e.reason}`);
  await hp.heartbeat({ state: "idle", tool: null });
}
