// The inbox in a real browser: two panes at 1280×800, the list or the pause alone at 390×844,
// the keyboard (j/k, a and r with a reason, x, ?), the density of the list, and the same flow
// with JavaScript off (plain links and forms).
// Run by tests/api/browser.rs as: node e2e/inbox.mjs BASE_URL API_KEY SHOTS_DIR
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, base, check, launch, setUpOwner, shots, watchedPage } from "./lib.mjs";

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function create(body) {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify(body) });
  check(res.status === 201, `the API created “${body.action}”`);
  return res.body.watchId;
}
const status = async (id) => (await api(`/api/pause/${id}`)).body;
const paneId = (page) => page.getAttribute("#pane article", "data-watch-id");
const selectedId = (page) => page.getAttribute("#queue .row.selected", "data-watch-id");
const urlPause = (page) => new URL(page.url()).searchParams.get("pause");

// Rows entirely inside the viewport, and whether the page scrolls sideways.
async function layout(page) {
  return page.evaluate(() => {
    const h = window.innerHeight;
    const rows = [...document.querySelectorAll("#queue .row")].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.height > 0 && b.top >= 0 && b.bottom <= h;
    });
    const visible = (sel) => {
      const el = document.querySelector(sel);
      return !!el && el.getBoundingClientRect().height > 0 && getComputedStyle(el).display !== "none";
    };
    return {
      inView: rows.length,
      sideways: document.documentElement.scrollWidth > window.innerWidth,
      list: visible(".inbox-list"),
      pane: visible(".inbox-pane"),
      back: visible(".pane-back a"),
    };
  });
}

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);
  const ids = [];
  const agents = ["deploy-bot", "billing-bot", "support-agent"];
  for (let i = 0; i < 8; i++) {
    ids.push(await create({ action: `Deploy service ${i + 1} to production`, agent: agents[i % 3],
      context: { environment: "prod", commit: `a3f9b2${i}`, files: 12 + i } }));
  }
  ids.push(await create({ action: "Migrate the invoices table", kind: "plan", agent: "deploy-bot",
    plan: "## Migrate\n\n1. Add **`paid_at`**.\n2. Backfill it." }));
  ids.push(await create({ action: "Schedule the maintenance", kind: "question", agent: "support-agent",
    questions: [{ question: "Which region first?", options: [{ label: "eu" }, { label: "us" }] }] }));

  // Desktop: two panes, the first pending pause in the pane.
  await page.setViewportSize(WIDE);
  await page.goto(base + "/");
  let l = await layout(page);
  check(l.list && l.pane && !l.back, "1280×800 shows the list and the pane side by side");
  check(!l.sideways, "1280×800 does not scroll sideways");
  const desktop = l.inView;
  check((await paneId(page)) === ids[0], "the pane shows the first pending pause");
  await page.screenshot({ path: join(shots, "inbox-desktop.png") });

  // j / k move the selection, the address and the pane.
  await page.keyboard.press("j");
  await page.waitForFunction((id) => document.querySelector(`#pane article[data-watch-id="${id}"]`), ids[1]);
  check(urlPause(page) === ids[1] && (await selectedId(page)) === ids[1], "j selects the next pause, its ?pause= and its pane");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.waitForFunction((id) => document.querySelector(`#pane article[data-watch-id="${id}"]`), ids[1]);
  check(urlPause(page) === ids[1], "k goes back up");
  // A click selects too.
  await page.click(`#p-${ids[2]} .row-link`);
  await page.waitForFunction((id) => document.querySelector(`#pane article[data-watch-id="${id}"]`), ids[2]);
  check(urlPause(page) === ids[2], "a click selects a pause without leaving the inbox");
  await page.keyboard.press("k");
  await page.waitForFunction((id) => document.querySelector(`#pane article[data-watch-id="${id}"]`), ids[1]);

  // ? lists the shortcuts; Esc closes them.
  await page.keyboard.press("?");
  check(await page.isVisible("#shortcuts"), "? opens the shortcuts");
  await page.keyboard.press("Escape");
  check(!(await page.isVisible("#shortcuts")), "Esc closes them");

  // a, a reason, Enter: approved, and the inbox lands on the next pending pause.
  await page.keyboard.press("a");
  check(await page.evaluate(() => document.activeElement && document.activeElement.name === "reason"), "a focuses the reason");
  await page.keyboard.type("Checked, ship it");
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("pause") === ids[2]), page.keyboard.press("Enter")]);
  let s = await status(ids[1]);
  check(s.status === "approved" && s.reason === "Checked, ship it", "a with a reason approves");
  check((await paneId(page)) === ids[2], "after deciding, the pane shows the next pending pause");
  check(await page.isVisible("text=Approved “Deploy service 2"), "the page says what was decided");

  // r, a reason, Enter: rejected.
  await page.keyboard.press("r");
  await page.keyboard.type("Not on a Friday");
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("pause") === ids[3]), page.keyboard.press("Enter")]);
  s = await status(ids[2]);
  check(s.status === "rejected" && s.reason === "Not on a Friday", "r with a reason rejects");

  // a then Enter with no reason just approves.
  await page.keyboard.press("a");
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("pause") === ids[4]), page.keyboard.press("Enter")]);
  check((await status(ids[3])).status === "approved", "a then Enter approves without a reason");

  // x ticks the selected row for a batch decision.
  await page.keyboard.press("x");
  check(await page.isChecked(`#pick-${ids[4]}`), "x ticks the selected pause");
  check((await page.textContent("#picked")).trim() === "1 selected", "the count of ticked pauses is shown");
  await page.keyboard.press("x");
  check(!(await page.isChecked(`#pick-${ids[4]}`)), "x again unticks it");

  // A plan and a question in the pane: the plan's words, large answer choices.
  await page.goto(`${base}/?pause=${ids[8]}`);
  check(await page.isVisible("#pane #plan-body"), "a plan's Markdown is in the pane");
  await page.screenshot({ path: join(shots, "inbox-plan-desktop.png") });
  await page.goto(`${base}/?pause=${ids[9]}`);
  const option = await page.evaluate(() => document.querySelector("#pane fieldset.question label.option").getBoundingClientRect().height);
  check(option >= 44, `an answer choice is a large tap target (${option}px)`);
  await page.screenshot({ path: join(shots, "inbox-question-desktop.png") });

  // Phone: the list alone, then the pause alone with a way back and the decision at the bottom.
  await page.setViewportSize(PHONE);
  await page.goto(base + "/");
  l = await layout(page);
  check(l.list && !l.pane, "390×844 shows the list alone");
  check(!l.sideways, "the phone list does not scroll sideways");
  await page.screenshot({ path: join(shots, "inbox-phone.png") });
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("pause") === ids[4]), page.click(`#p-${ids[4]} .row-link`)]);
  l = await layout(page);
  check(!l.list && l.pane && l.back, "390×844 with ?pause= shows the pause alone, with “← Queue”");
  check(!l.sideways, "the phone pause does not scroll sideways");
  const bar = await page.evaluate(() => {
    const b = document.querySelector("#pane .decision-bar").getBoundingClientRect();
    return { bottom: b.bottom, h: window.innerHeight, tall: [...document.querySelectorAll("#pane .decision-bar button")].every((x) => x.getBoundingClientRect().height >= 44) };
  });
  check(Math.abs(bar.bottom - bar.h) < 2 && bar.tall, "the decision bar sits at the bottom of the phone screen, with 44 px buttons");
  await page.screenshot({ path: join(shots, "inbox-pause-phone.png") });
  await Promise.all([page.waitForURL((u) => !new URL(u).searchParams.get("pause")), page.click(".pane-back a")]);

  // Batch: shift-click ticks a range, All ticks the page, then x ticks three and they are
  // approved together, with a results page.
  await page.setViewportSize(WIDE);
  await page.goto(`${base}/?pause=${ids[4]}`);
  await page.click(`#pick-${ids[0]}`);
  await page.click(`#pick-${ids[6]}`, { modifiers: ["Shift"] });
  const ticks = () => page.$$eval("#queue .pick input:checked", (b) => b.map((x) => x.value));
  check(JSON.stringify(await ticks()) === JSON.stringify([ids[0], ids[4], ids[5], ids[6]]), "shift-click ticks the range between two boxes");
  await page.check("#pick-all");
  check((await ticks()).length === 7, "All ticks every pause on the page");
  await page.uncheck("#pick-all");
  check((await ticks()).length === 0, "and unticks them");
  await page.keyboard.press("x");
  await page.keyboard.press("j");
  await page.keyboard.press("x");
  await page.keyboard.press("j");
  await page.keyboard.press("x");
  check(JSON.stringify(await ticks()) === JSON.stringify([ids[4], ids[5], ids[6]]), "x ticks three pauses");
  check((await page.textContent("#picked")).trim() === "3 selected", "3 selected");
  await page.fill("#batch-reason", "Batch ship");
  await Promise.all([page.waitForURL(`${base}/queue/batch`), page.click("#batch button[value=approve]")]);
  const outcomes = await page.$$eval(".batch-results tbody tr", (rows) => rows.map((r) => r.getAttribute("data-outcome")));
  check(outcomes.length === 3 && outcomes.every((o) => o === "approved"), `the results page lists three approvals (${outcomes})`);
  for (const id of [ids[4], ids[5], ids[6]]) {
    const b = await status(id);
    check(b.status === "approved" && b.reason === "Batch ship", `batch-approved ${id}`);
  }
  await page.screenshot({ path: join(shots, "inbox-batch-desktop.png") });

  // Density with 10 pending.
  await page.goto(base + "/");
  const left = Number((await page.textContent("#pending-count")).trim());
  for (let i = left; i < 10; i++) {
    await create({ action: `Rotate credentials batch ${i + 1}`, agent: "billing-bot", context: { keys: 3 } });
  }
  await page.goto(base + "/");
  const count = await page.textContent("#pending-count");
  check(count.trim() === "10", `10 pending for the density count (${count})`);
  const wide = (await layout(page)).inView;
  await page.setViewportSize(PHONE);
  await page.goto(base + "/");
  const phone = (await layout(page)).inView;
  const density = `DENSITY desktop=${wide} phone=${phone}`;
  console.log(`MEASURED ${density} (10 pending; at the first load, before any decision: desktop=${desktop})`);
  writeFileSync(join(shots, "density.txt"), density + "\n");
  check(wide >= 8, `at least 8 of 10 pending pauses in view at 1280×800 (${wide})`);

  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));

  // Without JavaScript: rows are links, the pane's form posts and lands on the next pause.
  const plain = await browser.newContext({ viewport: WIDE, javaScriptEnabled: false });
  const cookies = await page.context().cookies();
  await plain.addCookies(cookies);
  const bare = await plain.newPage();
  await bare.goto(base + "/");
  const target = await bare.getAttribute("#queue .row:nth-child(2)", "data-watch-id");
  await Promise.all([bare.waitForURL((u) => new URL(u).searchParams.get("pause") === target), bare.click(`#p-${target} .row-link`)]);
  check((await bare.getAttribute("#pane article", "data-watch-id")) === target, "without JS a row link opens the pause in the pane");
  await bare.fill("#pane #reason", "Plain form");
  await Promise.all([bare.waitForURL((u) => !!new URL(u).searchParams.get("pause") && new URL(u).searchParams.get("pause") !== target),
    bare.click("#pane button.approve")]);
  s = await status(target);
  check(s.status === "approved" && s.reason === "Plain form", "without JS the pane's form approves and lands on the next pause");
  await bare.goto(base + "/?kind=plan");
  check((await bare.$$("#queue .row")).length === 1, "without JS the kind filter is a plain address");
  await plain.close();
} finally {
  await browser.close();
}
