// The rules page in a real browser: a suggested allow rule created in shadow mode, watched for
// one pause, then turned on, after which the same action is approved by policy.
// Run by tests/api/browser.rs (which first seeds 20 approvals of send_report by reporter) as:
//   node e2e/rules.mjs BASE_URL API_KEY SHOTS_DIR
import { api, base, check, launch, setUpOwner, shoot, watchedPage } from "./lib.mjs";

const RULE = "suggested:send_report:reporter";

async function ask() {
  const body = { action: "Send the weekly report", tool: "send_report", agent: "reporter", risk: "low" };
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify(body) });
  check(res.status === 201, `the API created the pause (${res.status} ${JSON.stringify(res.body)})`);
  return res.body;
}

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);
  await page.goto(base + "/rules");
  check(await page.isVisible("text=No rules yet"), "the empty page says what rules are for");
  const suggestion = page.locator("li.suggestion").filter({ hasText: "send_report" });
  check(await suggestion.isVisible(), "the 20 approvals are suggested as a rule");
  check(await suggestion.locator("input[name=shadow]").isChecked(), "start in shadow mode is ticked by default");
  await Promise.all([page.waitForURL(base + "/rules"), suggestion.locator("button").click()]);
  const row = page.locator("tr", { has: page.locator(`th:text-is("${RULE}")`) });
  check((await row.getAttribute("data-state")) === "shadow", "the new rule is listed in shadow mode");
  check(await page.isVisible("text=No suggestions now."), "the suggestion is gone");

  const watched = await ask();
  check(watched.status === "pending" && watched.policy.shadow && watched.policy.shadow.rule === RULE,
    "in shadow mode the pause waits and records what the rule would do: " + JSON.stringify(watched.policy));
  await page.reload();
  check((await row.locator("td.shadow-hits").textContent()).trim() === "1", "the page shows 1 shadow hit");
  await shoot(page, "rules");

  check(!(await row.locator("button[value=on]").isVisible()), "Turn on is behind the row's menu");
  await row.locator("details.menu summary").click();
  await Promise.all([page.waitForURL(base + "/rules"), row.locator("button[value=on]").click()]);
  check((await row.getAttribute("data-state")) === "on", "the rule is on");

  const decided = await ask();
  check(decided.status === "approved" && decided.policy.rule === RULE,
    "the next identical pause is approved by the rule: " + JSON.stringify(decided));
  await page.reload();
  check((await row.locator("td.hits").textContent()).trim() === "1", "the page shows the hit");
  // The form refuses a duplicate name beside the field, keeping what was typed.
  await page.goto(base + "/rules/new");
  await page.fill("#rule-name", RULE);
  await page.fill("#rule-tool", "send_*");
  await page.fill("#rule-context", "command=git status*");
  await page.click("form.rule-form button[type=submit]");
  await page.waitForSelector(".field-error");
  check((await page.textContent(".field-error")).includes("already exists"), "a duplicate name is refused readably");
  check(await page.inputValue("#rule-context") === "command=git status*", "the form keeps what was typed");
  await shoot(page, "rule-form");
  // The 409 answering the refused form is expected (its response and its console line).
  const expected = (p) => p.startsWith("HTTP 409") || p.includes("status of 409");
  problems.splice(0, problems.length, ...problems.filter((p) => !expected(p)));
  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
