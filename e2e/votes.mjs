// A quorum in a real browser: two people of one workspace approve a pause that needs two
// approvals from the inbox's pane. The first sees their vote recorded ("1 of 2") and the pause
// stays pending; the second approves and it reads approved. The "Mine" box hides what I voted on.
// Run by tests/api/browser.rs as: node e2e/votes.mjs BASE_URL API_KEY SHOTS_DIR
// (the owner and ann@example.com exist, with the owner's password).
import AxeBuilder from "@axe-core/playwright";
import { api, base, check, launch, OWNER, shoot, watchedPage } from "./lib.mjs";

const ANN = "ann@example.com";
const status = async (id) => (await api(`/api/pause/${id}`)).body;

// The new states (the row's tally, the pane's votes and "you approved") pass axe like the rest
// (e2e/a11y.mjs scans every page; these states need two people, which it does not set up).
async function axe(page, what) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `${what} passes axe ${bad.map((v) => `${v.id}: ${v.nodes[0].target}`).join("; ")}`);
}

async function signIn(browser, email) {
  const { page, problems } = await watchedPage(browser);
  await page.goto(base + "/login");
  await page.fill("#email", email);
  await page.fill("#password", OWNER.password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
  return { page, problems };
}

// Approves the pause in the inbox's pane (the only pending one, so shown unasked), with a
// reason, and waits for the page the form lands on (it says what happened).
async function approveInPane(page, id, reason) {
  await page.goto(base + "/");
  check((await page.getAttribute("#pane article", "data-watch-id")) === id, "the pane shows the pause");
  await page.fill("#pane #reason", reason);
  check(!(await page.isVisible(".flash")), "no message before deciding");
  await page.click("#pane button.approve");
  await page.waitForSelector(".flash");
}

const browser = await launch();
try {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify({
    action: "Transfer $40,000 to the new supplier", requiredApprovals: 2, agent: "billing-bot",
    context: { amount: 40000, currency: "USD" } }) });
  check(res.status === 201 && res.body.requiredApprovals === 2, "the API created a pause needing two approvals");
  const id = res.body.watchId;

  const owner = await signIn(browser, OWNER.email);
  const row = `#p-${id}`;
  check((await owner.page.textContent(`${row} .badge.votes`)).trim() === "0 of 2", "the row shows 0 of 2");
  await approveInPane(owner.page, id, "Invoice checked");
  const flash = await owner.page.textContent(".flash.notice");
  check(flash.includes("Your approval is recorded: 1 of 2"), `the first approver is told the vote is recorded (${flash})`);
  check((await owner.page.textContent(`${row} .badge.votes`)).trim() === "1 of 2", "the row shows 1 of 2");
  check(await owner.page.isVisible("#pane #my-vote"), "the pane says the owner approved, instead of a second form");
  check(!(await owner.page.isVisible("#pane button.approve")), "no second vote is offered");
  let s = await status(id);
  check(s.status === "pending" && s.approvalsNeeded === 1 && s.votes.length === 1, "the pause stays pending, needing one more");
  await axe(owner.page, "the inbox after a vote that did not decide");
  await shoot(owner.page, "votes-recorded");
  await owner.page.goto(base + "/?mine=1");
  check(!(await owner.page.isVisible(row)), "Mine hides a pause the owner voted on");
  await owner.page.click("#f-mine");
  await owner.page.waitForURL((u) => new URL(u).searchParams.get("mine") !== "1");
  check(await owner.page.isVisible(row), "unticking Mine shows it again");

  const ann = await signIn(browser, ANN);
  await ann.page.goto(base + "/?mine=1");
  check(await ann.page.isVisible(row), "Mine shows Ann the pause she has not voted on");
  await approveInPane(ann.page, id, "Agreed");
  check((await ann.page.textContent(".flash.notice")).includes("Approved “Transfer $40,000"), "the second approval decides");
  s = await status(id);
  check(s.status === "approved" && s.approvalsNeeded === 0 && s.votes.length === 2, "the pause reads approved, with two votes");
  await ann.page.goto(`${base}/pauses/${id}`);
  check((await ann.page.$$("#votes .vote")).length === 2, "the pause page lists both votes");
  check((await ann.page.textContent("#votes-tally")).trim() === "2 of 2", "2 of 2");
  await axe(ann.page, "the decided pause's page with its votes");
  for (const p of [owner, ann]) check(p.problems.length === 0, `no page errors ${p.problems.join("; ")}`);
} finally {
  await browser.close();
}
