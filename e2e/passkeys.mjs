// Passkeys in a real headless Chromium with its virtual authenticator (DevTools WebAuthn
// domain): enrol one on the account page, use it again there (a step-up), then sign out, see the
// password alone stop at the second step, and sign in with the passkey alone (--passkey-login).
// Run by tests/api/browser.rs against a server whose public URL is http://localhost:<port>.
import { join } from "node:path";
import { base, check, launch, OWNER, shoot, shots, watchedPage } from "./lib.mjs";

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  async function signInWithPassword() {
    await page.goto(base + "/login");
    await page.fill("#email", OWNER.email);
    await page.fill("#password", OWNER.password);
    await Promise.all([page.waitForLoadState("load"), page.click("form[action='/login'] button[type=submit]")]);
  }

  await signInWithPassword();
  check(page.url() === base + "/", "the password alone signs in while there is no passkey");

  // Enrol: the name typed, the browser's prompt answered by the virtual authenticator.
  await page.goto(base + "/account");
  check(await page.isVisible("button[data-passkey=register]"), "the script shows the Add a passkey button");
  check(!(await page.isVisible("#passkeys-unavailable")), "passkeys are available on a named host");
  await page.fill("#passkey-name", "Work laptop");
  await shoot(page, "passkey-enrol");
  await Promise.all([page.waitForEvent("load"), page.click("button[data-passkey=register]")]);
  await page.waitForSelector(".passkeys th:has-text('Work laptop')");
  check(true, "the new passkey is listed by the name typed");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  check(credentials.length === 1 && credentials[0].isResidentCredential, "the authenticator holds one discoverable passkey");
  await shoot(page, "passkey-enrolled");
  await page.locator("section.passkeys").screenshot({ path: join(shots, "passkeys-desktop.png") });

  // Use it again on the account page: the session's last factor becomes the passkey (step-up).
  await Promise.all([page.waitForEvent("load"), page.click("button[data-passkey=verify]")]);
  check(!(await page.isVisible(".passkeys td:has-text('never')")), "the passkey's last use is shown");

  // Sign out; the password alone now stops at the second step.
  await Promise.all([page.waitForURL(/\/login$/), page.evaluate(() => document.querySelector("form[action='/logout']").submit())]);
  await signInWithPassword();
  check(page.url().endsWith("/login/verify"), "with a passkey enrolled, the password leads to the second step");

  // The passkey alone signs in (--passkey-login): the browser offers the discoverable passkey.
  await page.goto(base + "/login");
  check(await page.isVisible("button[data-passkey=login]"), "the sign-in page offers a passkey");
  await shoot(page, "passkey-login");
  await Promise.all([page.waitForURL(base + "/"), page.click("button[data-passkey=login]")]);
  check((await page.$("meta[name=csrf-token]")) !== null, "the passkey alone signed in");

  // Without JavaScript the button stays hidden (the page says passkeys need it).
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto(base + "/login");
  check(!(await noJs.isVisible("button[data-passkey=login]")), "without JavaScript no passkey button shows");
  await plain.close();

  // The second step's page belongs to another part of the sign-in: here it may still be missing.
  // (Its 404 shows up twice: the response, and the console's line about it.)
  const missing = problems.some((p) => p.includes("/login/verify"));
  const real = problems.filter((p) => !p.includes("/login/verify") && !(missing && p.includes("status of 404")));
  check(real.length === 0, "no script errors or CSP violations: " + real.join("; "));
} finally {
  await browser.close();
}
