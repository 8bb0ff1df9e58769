// End-to-end check of the dashboard in a real headless Chromium (Debian's), driven by
// playwright-core. Run by tests/api/browser.rs as: node e2e/dashboard.mjs BASE_URL API_KEY SHOTS_DIR
import { api, base, check, createPause, launch, OWNER, PHONE, DESKTOP, setUpOwner, shoot, watchedPage } from "./lib.mjs";

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);
  check(await page.isVisible("text=Nothing is waiting"), "the owner lands on an empty queue");

  // Sign out and back in through the real sign-in form.
  await Promise.all([page.waitForURL(/\/login$/), page.click("nav button:has-text('Sign out')")]);
  await page.fill("#email", OWNER.email);
  await page.fill("#password", OWNER.password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
  check(true, "signed in again");

  // A pause created through the API appears without a reload.
  const deploy = await createPause(
    "Deploy billing-service v2.4.1 to production",
    { environment: "prod", commit: "a3f9b2e", changes: { files: 12, migrations: ["0042_add_invoice_index"] }, risk: "medium" },
    { agent: "deploy-bot", ticket: "OPS-1193" },
  );
  await page.waitForSelector(`#p-${deploy}`, { timeout: 15000 });
  check(true, "the new pause appeared in the open queue without a reload");
  await page.waitForFunction(() => document.title.startsWith("(1)"), null, { timeout: 10000 });
  check(true, "the tab title shows the pending count");
  const refund = await createPause("Refund order #8812 ($1,240.00) to the customer's card",
    { order: 8812, amount: 1240, currency: "USD", reason: "duplicate charge" }, { agent: "support-agent" });
  await page.waitForSelector(`#p-${refund}`, { timeout: 15000 });
  await shoot(page, "queue");

  // The inbox opens a pause in its pane; the pane links its page. There: the context tree,
  // then approve with a reason.
  await page.click(`#p-${deploy} .row-link`);
  await page.waitForSelector(`#pane article[data-watch-id="${deploy}"]`);
  await Promise.all([page.waitForURL(`${base}/pauses/${deploy}`), page.click("#pane .open-page")]);
  check(await page.isVisible(".json details"), "the context is shown as a collapsible JSON tree");
  await shoot(page, "pause");
  await page.setViewportSize(PHONE);
  await page.fill("#reason", "Checked the migration, ship it");
  await Promise.all([page.waitForURL(`${base}/pauses/${deploy}`), page.click("button.approve")]);
  check(await page.isVisible("text=Approved “Deploy billing-service"), "the page confirms the approval");
  const seen = await api(`/api/pause/${deploy}`);
  check(seen.body.status === "approved", "the agent reads approved");
  check(seen.body.reason === "Checked the migration, ship it", "the agent reads the approver's reason");
  check(seen.body.decidedBy && seen.body.decidedBy.email === OWNER.email, "the agent sees who decided");

  // Keyboard: on the inbox, the pending pause is in the pane; r arms reject, Enter submits the
  // reason (e2e/inbox.mjs drives the rest of the keys).
  await page.setViewportSize(DESKTOP);
  await page.goto(base + "/");
  await page.keyboard.press("j");
  await page.keyboard.press("r");
  await page.keyboard.type("Not without a ticket");
  await page.keyboard.press("Enter");
  await page.waitForSelector("text=Rejected “Refund order", { timeout: 10000 });
  const refunded = await api(`/api/pause/${refund}`);
  check(refunded.body.status === "rejected" && refunded.body.reason === "Not without a ticket",
    "keyboard shortcuts reject with a reason");
  await page.goto(`${base}/pauses/${deploy}`);
  await shoot(page, "decided");

  // The rest of the dashboard renders cleanly at both widths.
  await page.goto(base + "/keys");
  await page.fill("#key-name", "ci-pipeline");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/keys'] button[type=submit]")]);
  check(await page.isVisible("text=hitl_live_"), "a key created on the keys page is shown once");
  await shoot(page, "key-created");

  // A webhook endpoint, so the Webhooks page (and the README's tour) shows one. No pause event
  // follows, so nothing is sent to it.
  await page.goto(base + "/webhooks");
  await page.fill("#webhook-url", "https://hooks.example.com/holdpoint");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/webhooks'] button[type=submit]")]);
  check((await page.inputValue("#new-secret")).startsWith("whsec_"), "a new endpoint's signing secret is shown once");
  for (const [path, name] of [["/history", "history"], ["/users", "users"], ["/usage", "usage"], ["/audit", "audit"], ["/settings", "settings"], ["/webhooks", "webhooks"]]) {
    await page.goto(base + path);
    check(!(await page.isVisible("text=Internal server error")), `${path} renders`);
    await shoot(page, name);
  }

  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
