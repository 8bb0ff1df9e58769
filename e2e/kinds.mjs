// The kinds of pause in a real browser: answer a multi-select question with free text, approve
// with an edit, send a plan back with feedback and approve its revision.
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

  // A question: one choice, and a multi-select with a typed answer besides the labels.
  const question = await create({
    kind: "question",
    action: "Schedule the database maintenance",
    questions: [
      { question: "Which region first?", header: "Region",
        options: [{ label: "eu", description: "Frankfurt, 40% of traffic" }, { label: "us", description: "Virginia" }] },
      { question: "Which nights?", options: [{ label: "Mon" }, { label: "Tue" }, { label: "Wed" }],
        multiSelect: true, allowFreeText: true },
    ],
  });
  await page.goto(`${base}/pauses/${question}`);
  await page.check("#question-0 label:has-text('eu') input");
  await page.check("#question-1 label:has-text('Tue') input");
  await page.fill("#question-1 input[type=text]", "Thursday after 22:00");
  await shoot(page, "question");
  await Promise.all([page.waitForURL(`${base}/pauses/${question}`), page.click("form.answer button[type=submit]")]);
  const answered = await api(`/api/pause/${question}`);
  check(answered.body.status === "answered", "the agent reads answered");
  check(JSON.stringify(answered.body.answers) ===
    JSON.stringify({ "Which region first?": "eu", "Which nights?": ["Tue", "Thursday after 22:00"] }),
    "the agent reads the chosen label, and the checked label with the typed answer: " + JSON.stringify(answered.body.answers));

  // Approve with edits: a string is plain text (no quotes), a number a number input; an empty
  // number is refused on the page, then the typed values are applied with their types.
  const email = await create({
    action: "Email the customer about the refund",
    context: { to: "ann@example.com", body: "Hi Ann, your refund is coming.", amount: 1240 },
    editable: ["body", "amount"],
  });
  await page.goto(`${base}/pauses/${email}`);
  const body = page.locator("input[name='edit_text.body']");
  check(await body.inputValue() === "Hi Ann, your refund is coming.", "a string field shows the text, not JSON");
  await body.fill("Hi Ann, your refund of $1,240.00 is on its way.");
  await page.locator("input[name='edit_number.amount']").fill("");
  await Promise.all([page.waitForURL(`${base}/pauses/${email}`), page.click("button.approve")]);
  check((await api(`/api/pause/${email}`)).body.status === "pending", "a bad number decides nothing");
  check(await page.isVisible(".flash.error:has-text('needs a number')"), "the page says the number is not one");
  await page.locator("input[name='edit_text.body']").fill("Hi Ann, your refund of $1,240.00 is on its way.");
  await page.locator("input[name='edit_number.amount']").fill("1240.5");
  await shoot(page, "edit");
  await Promise.all([page.waitForURL(`${base}/pauses/${email}`), page.click("button.approve")]);
  const edited = await api(`/api/pause/${email}`);
  check(edited.body.status === "approved", "the edited email is approved");
  check(edited.body.edits && edited.body.edits.body === "Hi Ann, your refund of $1,240.00 is on its way.",
    "the agent reads the edited text as typed");
  check(edited.body.edits && edited.body.edits.amount === 1240.5, "the agent reads the edited number as a number");
  check(edited.body.context.body === "Hi Ann, your refund is coming.", "the agent's context is untouched");

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
