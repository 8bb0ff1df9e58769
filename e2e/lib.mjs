// What the browser scripts share: arguments, checks, the API, screenshots at two widths with a
// phone-layout check, Chromium, and the first-run setup of the owner.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const [base, key, shots] = process.argv.slice(2);
if (!base || !key || !shots) throw new Error("usage: node e2e/<script>.mjs BASE_URL API_KEY SHOTS_DIR");
mkdirSync(shots, { recursive: true });

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };
export const OWNER = { email: "owner@example.com", name: "Olivia Owner", password: "correct horse battery" };

export function check(ok, what) {
  if (!ok) throw new Error("check failed: " + what);
  console.log("ok -", what);
}

export async function api(path, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  });
  return { status: res.status, body: await res.json() };
}

export async function createPause(action, context, metadata) {
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify({ action, context, metadata }) });
  check(res.status === 201, `the API created “${action}”`);
  return res.body.watchId;
}

// On a phone the navigation is one bar at most 64 px high, every link in it in sight (not
// behind a sideways scroll nobody sees; the Menu's links drop down only when it is open),
// the page itself does not scroll sideways, and no badge or email breaks over two lines.
export async function checkPhoneLayout(page, name) {
  const bad = await page.evaluate(() => {
    const out = [];
    const width = window.innerWidth;
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > width) out.push(`the page is ${pageWidth}px wide`);
    const bar = document.querySelector("header.top");
    if (bar && bar.getBoundingClientRect().height > 64) out.push(`the navigation is ${bar.getBoundingClientRect().height}px high`);
    for (const el of document.querySelectorAll("nav.nav a, nav.nav button")) {
      const r = el.getBoundingClientRect();
      if (r.left < 0 || r.right > width) out.push(`“${el.textContent.trim()}” is off screen`);
    }
    for (const el of document.querySelectorAll(".badge")) {
      const text = document.createRange();
      text.selectNodeContents(el);
      if (text.getClientRects().length > 1) out.push(`the badge “${el.textContent.trim()}” wraps`);
    }
    for (const el of document.querySelectorAll(".users .email .addr")) {
      const email = document.createRange();
      email.selectNodeContents(el);
      if (email.getClientRects().length > 1) out.push(`the email “${el.textContent.trim()}” breaks`);
    }
    return out;
  });
  check(bad.length === 0, `${name} fits a phone ${bad.join("; ")}`);
}

export async function shoot(page, name) {
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]]) {
    await page.setViewportSize(size);
    if (label === "phone") await checkPhoneLayout(page, name);
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
  }
}

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

// First run: the empty server sends us to setup, which creates the owner and signs them in.
export async function setUpOwner(page) {
  await page.goto(base + "/");
  check(page.url().endsWith("/setup"), "a fresh install opens the setup page");
  await page.fill("#email", OWNER.email);
  await page.fill("#name", OWNER.name);
  await page.fill("#password", OWNER.password);
  await page.fill("#password_confirm", OWNER.password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
}

// A page that fails a check if a script error, a CSP violation or an HTTP error shows up.
export async function watchedPage(browser) {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => m.type() === "error" && problems.push("console: " + m.text()));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} for ${r.url()}`));
  return { page, problems };
}
