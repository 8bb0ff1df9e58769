// End-to-end check of the dashboard in a real headless Chromium (Debian's), driven by
// playwright-core. Run by tests/api/browser.rs as: node e2e/dashboard.mjs BASE_URL API_KEY SHOTS_DIR
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, key, shots] = process.argv.slice(2);
if (!base || !key || !shots) throw new Error("usage: dashboard.mjs BASE_URL API_KEY SHOTS_DIR");
mkdirSync(shots, { recursive: true });

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };
const OWNER = { email: "owner@example.com", name: "Olivia Owner", password: "correct horse battery" };

function check(ok, what) {
  if (!ok) throw new Error("check failed: " + what);
  console.log("ok -", what);
}

async function api(path, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  });
  return { status: res.status, body: await res.json() };
}

async function createPause(action, context, metadata) {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify({ action, context, metadata }) });
  check(res.status === 201, `the API created “${action}”`);
  return res.body.watchId;
}

// On a phone every navigation link is in sight (not behind a sideways scroll nobody sees),
// the page itself does not scroll sideways, and no badge or email breaks over two lines.
async function checkPhoneLayout(page, name) {
  const bad = await page.evaluate(() => {
    const out = [];
    const width = window.innerWidth;
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > width) out.push(`the page is ${pageWidth}px wide`);
    for (const el of document.querySelectorAll("nav.nav a, nav.nav button")) {
      const r = el.getBoundingClientRect();
      if (r.left < 0 || r.right > width) out.push(`“${el.textContent.trim()}” is off screen`);
    }
    for (const el of document.querySelectorAll(".badge")) {
      const text = document.createRange();
      text.selectNodeContents(el);
      if (text.getClientRects().length > 1) out.push(`the badge “${el.textContent.trim()}” wraps`);
    }
    for (const el of document.querySelectorAll(".users .email")) {
      const email = document.createRange();
      email.selectNodeContents(el.firstChild);
      if (email.getClientRects().length > 1) out.push(`the email “${el.firstChild.textContent.trim()}” breaks`);
    }
    return out;
  });
  check(bad.length === 0, `${name} fits a phone ${bad.join("; ")}`);
}

async function shoot(page, name) {
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]]) {
    await page.setViewportSize(size);
    if (label === "phone") await checkPhoneLayout(page, name);
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => m.type() === "error" && problems.push("console: " + m.text()));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} for ${r.url()}`));

  // First run: the empty server sends us to setup, which creates the owner and signs them in.
  await page.goto(base + "/");
  check(page.url().endsWith("/setup"), "a fresh install opens the setup page");
  await page.fill("#email", OWNER.email);
  await page.fill("#name", OWNER.name);
  await page.fill("#password", OWNER.password);
  await page.fill("#password_confirm", OWNER.password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
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

  // The pause page: context tree, then approve with a reason.
  await Promise.all([page.waitForURL(`${base}/pauses/${deploy}`), page.click(`#p-${deploy} h2 a`)]);
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

  // Keyboard: on the queue, j selects, r arms reject, Enter submits the reason.
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
