// TOTP two-factor sign-in in a real browser under the strict CSP: the account page's
// enrolment shows the server-drawn QR code (inline SVG), the code computed here confirms it,
// the ten recovery codes are shown once, and the next sign-in asks for a code (a recovery
// code here); a critical pause's page asks for a code in place (step-up). Every page passes axe (WCAG 2.1 A and AA: no serious or critical violation).
// Run by tests/api/two_factor_browser.rs as: node e2e/two_factor.mjs BASE_URL API_KEY SHOTS_DIR
import AxeBuilder from "@axe-core/playwright";
import { createHmac } from "node:crypto";
import { api, base, check, launch, OWNER, setUpOwner, shoot, watchedPage } from "./lib.mjs";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app shows now.
function totp(base32) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

async function axe(page, name) {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `${name} passes axe ${bad.map((v) => v.id).join(", ")}`);
}

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);

  await page.goto(base + "/account");
  check(await page.isVisible("#two-factor-heading"), "the account page has a two-factor section");
  await Promise.all([page.waitForURL(base + "/account/two-factor"), page.click("text=Set up an authenticator app")]);
  const qr = await page.locator("svg.qr").boundingBox();
  check(qr && qr.width >= 150 && qr.height >= 150, `the QR code is drawn (${qr && qr.width}px)`);
  const secret = (await page.textContent("#totp-secret")).trim();
  check(/^[A-Z2-7]{32}$/.test(secret), "the secret is shown as base32 text");
  await axe(page, "the enrolment page");
  await shoot(page, "two-factor-enrol");

  await page.fill("#confirm-code", totp(secret));
  await Promise.all([page.waitForLoadState(), page.click("text=Turn on two-factor sign-in")]);
  const codes = await page.locator("#recovery-codes code").allTextContents();
  check(codes.length === 10, "ten recovery codes are shown");
  await axe(page, "the recovery codes page");
  await shoot(page, "two-factor-recovery-codes");
  await Promise.all([page.waitForURL(base + "/account"), page.click("text=I have saved them, continue")]);
  check(await page.isVisible("text=10 recovery codes left."), "the account page counts the codes");
  await page.locator("#two-factor").scrollIntoViewIfNeeded();
  await shoot(page, "account-two-factor");

  // Step-up: this session has used no second factor (TOTP was set up in it, not signed in
  // with), so a critical pause's page asks for a code in place and decides with it.
  await page.goto(base + "/settings");
  await page.check("input[name=step_up]");
  await Promise.all([page.waitForLoadState(), page.click("text=Save step-up")]);
  const res = await api("/api/pause", { method: "POST", body: JSON.stringify({ action: "Wire EUR 250,000 to ACME GmbH", risk: "critical", context: { invoice: "INV-2026-118" } }) });
  check(res.status === 201, "a critical pause was created");
  await page.goto(`${base}/pauses/${res.body.watchId}`);
  check(await page.isVisible("#step-up-code"), "the critical pause asks for a code in place");
  await axe(page, "the step-up form");
  await page.locator("#step-up").scrollIntoViewIfNeeded();
  await shoot(page, "step-up");
  // A recovery code: the server's clock is the test's frozen one, so an authenticator code here
  // would depend on where the 30-second steps fall (the API tests step up with TOTP codes on a
  // clock they move).
  await page.fill("#step-up-code", codes[1]);
  await Promise.all([page.waitForLoadState(), page.click("button.approve")]);
  const after = await api(`/api/pause/${res.body.watchId}`);
  check(after.body.status === "approved", `the code and the decision went in one request (${after.body.status})`);

  await Promise.all([page.waitForURL(base + "/login"), page.click("nav button:text('Sign out')")]);
  await page.fill("#email", OWNER.email);
  await page.fill("#password", OWNER.password);
  await Promise.all([page.waitForURL(base + "/login/verify"), page.click("button[type=submit]")]);
  check(await page.isVisible("text=Two-factor sign-in"), "sign-in asks for a code");
  await axe(page, "the code step");
  await shoot(page, "two-factor-verify");
  await page.fill("#code", codes[0]);
  await Promise.all([page.waitForURL(base + "/"), page.click("text=Verify")]);
  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
