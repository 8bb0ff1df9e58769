// A webhook receiver that checks Holdpoint's signatures with the official Standard Webhooks
// library, so our signing is verified by code we did not write. Run by tests/api/webhook_e2e.rs:
//   node e2e/webhook-receiver.mjs WHSEC_SECRET FAIL_FIRST_N
// Prints the port on the first stdout line, then one JSON line per verified delivery
// ({"id","type","attempt"}); answers 500 to the first N deliveries, 204 afterwards; exits 1 on
// any delivery that does not verify.
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const [secret, failFirst] = process.argv.slice(2);
if (!secret || failFirst === undefined) throw new Error("usage: webhook-receiver.mjs SECRET FAIL_FIRST_N");
const wh = new Webhook(secret);
let failuresLeft = Number(failFirst);
const attempts = new Map();

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let event;
    try {
      event = wh.verify(body, req.headers);
    } catch (e) {
      // Never print the secret: only what failed and the message id.
      console.error(`verification failed for ${req.headers["webhook-id"]}: ${e.message}`);
      res.writeHead(400).end(() => process.exit(1));
      return;
    }
    const id = req.headers["webhook-id"];
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    console.log(JSON.stringify({ id, type: event.type, attempt }));
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      res.writeHead(500).end();
    } else {
      res.writeHead(204).end();
    }
  });
});

server.listen(0, "127.0.0.1", () => console.log(server.address().port));
