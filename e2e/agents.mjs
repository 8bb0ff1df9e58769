// The Agents page in a real browser: pause an agent, guide it while its checkpoint long-poll is
// parked, resume it, and the emergency stop with its confirmation.
// Run by tests/api/browser.rs as: node e2e/agents.mjs BASE_URL API_KEY SHOTS_DIR
import { api, base, check, launch, setUpOwner, shoot, watchedPage } from "./lib.mjs";

async function beat(agent, body) {
  const res = await api(`/api/agents/${agent}/heartbeat`, { method: "POST", body: JSON.stringify(body) });
  check(res.status === 200, `${agent} reports ${JSON.stringify(body)} (${res.status} ${JSON.stringify(res.body)})`);
  return res.body;
}

const control = async (agent, query = "") => (await api(`/api/agents/${agent}/control${query}`)).body;

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);
  await beat("billing-bot-7", { state: "acting", tool: "stripe.refunds.create", progress: 40, run: "run-2611" });
  await beat("deploy-bot", { state: "thinking", run: "deploy-88" });
  await page.goto(base + "/agents");
  check(await page.isVisible("#agent-billing-bot-7 progress"), "the fleet shows the agent's progress");

  // Pause from the page; the agent's checkpoint reads paused.
  await Promise.all([page.waitForURL(base + "/agents"), page.click("#agent-billing-bot-7 form[action$='/pause'] button")]);
  check((await control("billing-bot-7")).control === "paused", "the agent reads paused at its checkpoint");

  // Guidance wakes the agent's parked checkpoint call.
  const first = await control("billing-bot-7");
  const parked = control("billing-bot-7", `?wait=20&after=${encodeURIComponent(first.cursor)}`);
  // Guidance is written on the agent's own page (the fleet table stays one line per agent).
  await Promise.all([page.waitForURL(base + "/agents/billing-bot-7"), page.click("#agent-billing-bot-7 th a")]);
  await page.fill("#guide", "Refund only orders under $500; ask about the rest");
  await Promise.all([page.waitForURL(base + "/agents/billing-bot-7"), page.click("form.guide button")]);
  const woken = await parked;
  check(woken.guidance.length === 1 && woken.guidance[0].message === "Refund only orders under $500; ask about the rest",
    "the parked checkpoint call answers with the guidance: " + JSON.stringify(woken));
  await shoot(page, "agent");
  await page.goto(base + "/agents");
  check(await page.isVisible("#agent-billing-bot-7 .status-paused"), "the fleet shows the paused control as a word");
  check(!(await page.isVisible("#agent-billing-bot-7 form.guide")), "no guidance box in the fleet table");
  await shoot(page, "agents");

  await Promise.all([page.waitForURL(base + "/agents"), page.click("#agent-billing-bot-7 form[action$='/resume'] button")]);
  check((await control("billing-bot-7")).control === "running", "the agent runs again after Resume");

  // The emergency stop needs its confirmation box, pauses every agent, and is lifted.
  await page.click("form.stop-form button");
  check(await page.isVisible("form.stop-form"), "the stop is not sent without its confirmation");
  await page.check("form.stop-form input[name=confirm]");
  await Promise.all([page.waitForURL(base + "/agents"), page.click("form.stop-form button")]);
  check(await page.isVisible("text=Emergency stop is on"), "the page says the stop is on");
  check((await control("deploy-bot")).control === "paused" && (await control("billing-bot-7")).control === "paused",
    "every agent reads paused during the stop");
  await shoot(page, "agents-stopped");
  await Promise.all([page.waitForURL(base + "/agents"), page.click("text=Lift the emergency stop")]);
  check((await control("deploy-bot")).control === "running", "lifting the stop lets the agents run");

  // Cancel run sits behind the row's menu, with a confirmation step.
  check(!(await page.isVisible("#agent-deploy-bot form[action$='/cancel'] button")), "Cancel run is not in sight until the menu opens");
  await page.click("#agent-deploy-bot details.menu summary");
  check(await page.isVisible("#agent-deploy-bot form[action$='/cancel'] p"), "the menu asks for confirmation");
  await Promise.all([page.waitForURL(base + "/agents"), page.click("#agent-deploy-bot form[action$='/cancel'] button")]);
  check((await control("deploy-bot")).control === "cancelled", "the agent reads cancelled after the confirmed Cancel run");
  check(await page.isVisible("#agent-deploy-bot .status-cancelled"), "the fleet says cancelled");

  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
