// Every HTML page of the README's endpoint table through axe-core (WCAG 2.1 A and AA rules), in
// the light and the dark theme, at 1280 and 390 px wide: no serious or critical violation, no
// sideways scroll on a phone. Run by tests/api/browser.rs as:
//   node e2e/a11y.mjs BASE_URL API_KEY SHOTS_DIR   (HOLDPOINT_MAIL_DIR: where emails are written)
import AxeBuilder from "@axe-core/playwright";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { api, base, check, launch, setUpOwner } from "./lib.mjs";

const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function create(body) {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify(body) });
  check(res.status === 201, `the API created “${body.action}” (${res.status})`);
  return res.body.watchId;
}

// The first one-click link in the emails written so far (quoted-printable decoded).
function oneClickLink() {
  const dir = process.env.HOLDPOINT_MAIL_DIR;
  check(Boolean(dir), "HOLDPOINT_MAIL_DIR names the directory emails are written to");
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".eml"))) {
    const text = readFileSync(join(dir, name), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const m = text.match(/https?:\/\/[^\s"<>]+\/d\/[A-Za-z0-9_-]+/);
    if (m) return new URL(m[0]).pathname;
  }
  throw new Error("no one-click link in the emails");
}

// Every serious or critical violation, named with the page, theme and width: all are listed at
// the end, so one run shows everything to fix.
const failures = [];
let scanned = 0;
async function scan(page, label) {
  scanned += 1;
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const lines = bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (label.includes("phone") && wide > 0) lines.push(`the page scrolls sideways by ${wide}px`);
  for (const line of lines) failures.push(`${label}: ${line}`);
}

// Visits each path at each width in both themes at once (one browser context per theme).
async function scanAll(browser, storageState, paths) {
  await Promise.all(["light", "dark"].map(async (scheme) => {
    const context = await browser.newContext({ colorScheme: scheme, storageState });
    const page = await context.newPage();
    for (const path of paths) {
      for (const [label, size] of Object.entries(WIDTHS)) {
        await page.setViewportSize(size);
        await page.goto(base + path);
        await scan(page, `${path} (${scheme}, ${label})`);
      }
    }
    await context.close();
  }));
}

const browser = await launch();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await scanAll(browser, undefined, ["/setup"]);
  await setUpOwner(page);

  const approval = await create({ action: "Refund order #8812 ($1,240.00) to the customer's card",
    context: { order: 8812, amount: 1240, currency: "USD", lines: [{ sku: "A-1", qty: 2 }] }, agent: "billing-bot",
    tool: "stripe.refunds.create", risk: "medium", metadata: { ticket: "OPS-1193" } });
  const question = await create({ kind: "question", action: "Schedule the database maintenance",
    questions: [{ question: "Which region first?", header: "Region", options: [{ label: "eu", description: "Frankfurt" }, { label: "us" }] }] });
  const plan = await create({ kind: "plan", action: "Migrate the invoices table",
    plan: "## Steps\n\n1. Add the column `paid_at`.\n2. Backfill it in **batches**." });
  const decided = await create({ action: "Rotate the staging database password" });
  await page.goto(`${base}/pauses/${decided}`);
  await page.fill("#reason", "Routine rotation");
  await Promise.all([page.waitForLoadState("load"), page.click("button.approve")]);
  const beat = await api("/api/agents/billing-bot/heartbeat", { method: "POST",
    body: JSON.stringify({ state: "acting", tool: "stripe.refunds.create", progress: 40, run: "run-1" }) });
  check(beat.status === 200, "an agent reports in");

  await page.goto(base + "/webhooks");
  await page.fill("#webhook-url", "https://hooks.example.com/holdpoint");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/webhooks'] button[type=submit]")]);
  const webhook = await page.evaluate(() => {
    const a = [...document.querySelectorAll("a[href^='/webhooks/']")].map((x) => x.getAttribute("href"));
    return a[0] || null;
  });
  await page.goto(base + "/users");
  await page.fill("#new-email", "ada@example.com");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/users'] button[type=submit]")]);
  const signup = new URL(await page.inputValue("#invite-link")).pathname;

  // The autonomy dial set on the settings page approves the next pause: History shows a policy
  // as its decider and Usage a policy series.
  await page.goto(base + "/settings");
  await page.fill("#autonomy-level", "80");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/settings/policy'] button[type=submit]")]);
  await create({ action: "Send the weekly report", risk: "low", tool: "send_email" });
  // A rule made with the form; the suggestion of the 20 approvals browser.rs seeded stays.
  await page.goto(base + "/rules/new");
  await page.fill("#rule-name", "Small refunds");
  await page.fill("#rule-tool", "stripe.refunds.*");
  await page.fill("#rule-metadata", "customer=cust_123");
  await Promise.all([page.waitForURL(/\/rules/), page.click("form.rule-form button[type=submit]")]);
  // An approver group, routed to by the settings, so the groups, keys and settings pages show
  // their group controls and the delete confirmation names the route.
  await page.goto(base + "/groups");
  await page.fill("#group-name", "sre");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/groups/new'] button[type=submit]")]);
  await page.goto(base + "/settings");
  await page.selectOption("#route-critical", "sre");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/settings/approvals'] button[type=submit]")]);

  const signedIn = [
    "/", `/?pause=${approval}`, `/pauses/${approval}`, `/pauses/${question}`, `/pauses/${plan}`, `/pauses/${decided}`,
    "/history", "/account", "/agents", "/agents/billing-bot", "/users", "/keys", "/settings", "/usage", "/audit",
    "/rules", "/rules/new", "/rules/1/edit", "/rules?delete=1", "/groups", "/groups?delete=sre",
    "/webhooks", ...(webhook ? [webhook] : []), "/pauses/0190f0f0-0000-7000-8000-000000000000",
  ];
  signedIn.push("/history?decided=policy");
  const state = await context.storageState();
  await scanAll(browser, state, signedIn);

  // The batch results page answers a POST: scanned where it lands, in both themes and widths.
  await page.goto(base + "/");
  await page.check(`input[name=watch_id][value="${approval}"]`);
  await Promise.all([page.waitForURL(base + "/queue/batch"), page.click("button[name=decision][value=approve]")]);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of Object.entries(WIDTHS)) {
      await page.setViewportSize(size);
      await scan(page, `/queue/batch results (${scheme}, ${label})`);
    }
  }
  // A refused rule form (a bad glob) is scanned where it lands, with its message by the field.
  await page.goto(base + "/rules/new");
  await page.fill("#rule-name", "Broken");
  await page.fill("#rule-tool", "[a-");
  await Promise.all([page.waitForLoadState("load"), page.click("form.rule-form button[type=submit]")]);
  check(await page.isVisible(".field-error"), "the refused rule form shows its message");
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of Object.entries(WIDTHS)) {
      await page.setViewportSize(size);
      await scan(page, `/rules/new refused (${scheme}, ${label})`);
    }
  }
  // A refused approver settings form (remind after escalate), scanned where it lands.
  await page.goto(base + "/settings");
  await page.fill("#remind-at", "90");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/settings/approvals'] button[type=submit]")]);
  check(await page.isVisible("#approvals-error"), "the refused approver settings show their message");
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of Object.entries(WIDTHS)) {
      await page.setViewportSize(size);
      await scan(page, `/settings/approvals refused (${scheme}, ${label})`);
    }
  }
  await context.close();

  await scanAll(browser, undefined, ["/login", "/forgot-password", signup, oneClickLink()]);
  check(failures.length === 0, `${scanned} scans (${signedIn.length + 8} pages, 2 themes, 2 widths) found no serious or critical violation:\n${failures.join("\n")}`);
} finally {
  await browser.close();
}
