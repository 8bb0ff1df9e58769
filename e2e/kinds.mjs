// The kinds of pause in a real browser: send a plan back with feedback and approve its revision.
// Run by tests/api/browser.rs as: node e2e/kinds.mjs BASE_URL API_KEY SHOTS_DIR
import { api, base, check, launch, setUpOwner, shoot, watchedPage } from "./lib.mjs";

async function create(body) {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify(body) });
  check(res.status === 201, `the API created the ${body.kind || "approval"} “${body.action}” (${res.status} ${JSON.stringify(res.body)})`);
  return res.body.watchId;
}

const PLAN_V1 = `## Migrate the invoices table

1. Add the column \`paid_at\` (nullable).
2. Backfill it from \`payments\` in batches of 10,000.
3. Drop the old \`is_paid\` flag.

See the [runbook](https://wiki.example.com/runbooks/invoices).`;

const PLAN_V2 = `## Migrate the invoices table

1. Add the column \`paid_at\` (nullable).
2. Backfill it from \`payments\` in batches of 10,000, off-peak (02:00–05:00 UTC).
3. Keep the old \`is_paid\` flag until the next release reads only \`paid_at\`.

See the [runbook](https://wiki.example.com/runbooks/invoices).`;

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);

  // A plan is sent back with feedback from its page.
  const v1 = await create({ kind: "plan", action: "Migrate the invoices table", plan: PLAN_V1 });
  await page.goto(`${base}/pauses/${v1}`);
  check(await page.isVisible("#plan-body h2"), "the plan's Markdown is rendered");
  await page.click("button.reject");
  check(await page.isVisible("text=Approve plan"), "a plan without feedback is not sent back");
  await page.fill("#reason", "Backfill off-peak, and keep is_paid until the next release");
  await Promise.all([page.waitForURL(`${base}/pauses/${v1}`), page.click("button.reject")]);
  const sent = await api(`/api/pause/${v1}`);
  check(sent.body.status === "changes_requested", "the agent reads changes_requested");
  check(sent.body.reason === "Backfill off-peak, and keep is_paid until the next release", "the agent reads the feedback");

  // The revision shows the chain of versions and the diff, and is approved.
  const v2 = await create({ kind: "plan", action: "Migrate the invoices table", plan: PLAN_V2, revises: v1 });
  await page.goto(`${base}/pauses/${v2}`);
  check(await page.isVisible(".plan-versions"), "the revision lists both versions");
  check(await page.isVisible("#plan-diff .diff-add"), "the revision shows its diff");
  await shoot(page, "plan");
  await Promise.all([page.waitForURL(`${base}/pauses/${v2}`), page.click("button.approve")]);
  check((await api(`/api/pause/${v2}`)).body.status === "approved", "the revised plan is approved");

  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
