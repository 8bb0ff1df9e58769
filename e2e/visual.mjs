// The visual system in a real browser: every page of the fleet, history, keys, users, audit,
// webhooks, usage, settings and account at 1280×800 and 390×844, light and dark; no sideways
// scroll on a phone, the phone navigation at most 64 px high, the Menu works without script,
// the browser's time zone reaches the server through the `tz` cookie, the theme setting wins
// over the device's.
// Run by tests/api/browser.rs as: node e2e/visual.mjs BASE_URL API_KEY SHOTS_DIR
import { join } from "node:path";
import { api, base, check, createPause, launch, setUpOwner, shots } from "./lib.mjs";

const DESK = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PAGES = ["/", "/history", "/agents", "/agents/billing-bot-7", "/keys", "/users", "/audit", "/webhooks",
               "/usage", "/settings", "/rules", "/account"];

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: DESK, timezoneId: "Europe/Paris" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => m.type() === "error" && problems.push("console: " + m.text()));
  await setUpOwner(page);

  for (const [i, action] of ["Deploy billing-service v2.4.1 to production", "Refund order #8812 to the customer",
                             "Drop the staging database"].entries()) {
    const id = await createPause(action, { step: i }, { agent: "billing-bot-7" });
    if (i === 1) await api(`/api/pause/${id}/reject`, { method: "POST", body: JSON.stringify({ reason: "too much" }) });
  }
  await api("/api/agents/billing-bot-7/heartbeat", { method: "POST",
    body: JSON.stringify({ state: "acting", tool: "stripe.refunds.create", progress: 40, run: "run-2611" }) });
  await api("/api/agents/deploy-bot/heartbeat", { method: "POST", body: JSON.stringify({ state: "thinking", run: "deploy-88" }) });

  // The first page set the tz cookie; the next render shows times in the browser's zone.
  await page.goto(base + "/history");
  const cookie = (await context.cookies()).find((c) => c.name === "tz");
  check(cookie && cookie.value === "Europe/Paris" && cookie.sameSite === "Lax", "app.js set the tz cookie from the browser");
  check(await page.isVisible("th:has-text('Created (Europe/Paris)')"), "History names the reader's zone above its times");
  check(/ CES?T$/.test((await page.textContent("table.history time")).trim()), "times read in the reader's zone");

  const heights = {};
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of [["desktop", DESK], ["phone", PHONE]]) {
      await page.setViewportSize(size);
      for (const path of PAGES) {
        await page.goto(base + path);
        const m = await page.evaluate(() => ({
          wide: document.documentElement.scrollWidth, width: window.innerWidth,
          nav: Math.round(document.querySelector("header.top").getBoundingClientRect().height),
        }));
        check(m.wide <= m.width, `${path} at ${size.width}px (${scheme}) has no sideways scroll (${m.wide}px)`);
        heights[label] = Math.max(heights[label] || 0, m.nav);
        const name = (path === "/" ? "queue" : path.slice(1).replaceAll("/", "-")) + `-${label}-${scheme}`;
        await page.screenshot({ path: join(shots, `visual-${name}.png`), fullPage: true });
      }
    }
  }
  console.log(`MEASURED phone-nav=${heights.phone}px desktop-nav=${heights.desktop}px`);
  check(heights.phone <= 64, `the phone navigation is at most 64 px high (${heights.phone}px)`);
  check(heights.desktop <= 64, `the desktop navigation is one compact bar (${heights.desktop}px)`);

  // Between phone and desktop (a laptop's 1152 px and a tablet's 1024 px) the bar stays one line.
  for (const width of [1152, 1024, 768]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(base + "/audit");
    const m = await page.evaluate(() => ({ wide: document.documentElement.scrollWidth,
      nav: document.querySelector("header.top").getBoundingClientRect().height }));
    check(m.wide <= width && m.nav <= 64, `at ${width}px the bar is one line (${m.nav}px) and nothing scrolls sideways (${m.wide}px)`);
  }

  // On a phone the rest of the navigation sits behind Menu (a <details>, no script needed).
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize(PHONE);
  await page.goto(base + "/history");
  check(!(await page.isVisible("nav a[href='/users']")), "Users is behind the Menu on a phone");
  await page.click("nav summary");
  check(await page.isVisible("nav a[href='/users']") && await page.isVisible("nav button:has-text('Sign out')"),
    "the Menu shows the other pages, the Test data switch and Sign out");
  const open = await page.evaluate(() => document.querySelector("header.top").getBoundingClientRect().height);
  check(open <= 64, "the open Menu drops over the page instead of growing the bar");
  await page.screenshot({ path: join(shots, "visual-menu-phone.png") });

  // The account's theme wins over the device's preference.
  await page.setViewportSize(DESK);
  await page.goto(base + "/account");
  await page.check("input[name=theme][value=dark]");
  await Promise.all([page.waitForURL(base + "/account"), page.click("form[action='/account/display'] button")]);
  check(await page.getAttribute("html", "data-theme") === "dark", "the page is rendered with data-theme=dark");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === "rgb(17, 18, 23)", `a light device shows the dark theme the user chose (${bg})`);
  await page.screenshot({ path: join(shots, "visual-account-chosen-dark.png"), fullPage: true });

  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
