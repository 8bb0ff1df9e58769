// A person sets their own phone-push topic on the account page in a real browser, after an
// owner gave the workspace an ntfy server on the settings page.
// Run by tests/api/browser.rs as: node e2e/push.mjs BASE_URL API_KEY SHOTS_DIR
import { base, check, launch, setUpOwner, shoot, watchedPage } from "./lib.mjs";

const TOPIC = "olivia-phone-7Qx2";

const browser = await launch();
try {
  const { page, problems } = await watchedPage(browser);
  await setUpOwner(page);

  await page.goto(base + "/account");
  check(await page.isVisible("text=has no ntfy server yet"), "the account page says a server is missing");

  await page.goto(base + "/settings");
  await page.fill("#ws-ntfy-url", "https://ntfy.example.com");
  await page.fill("#ws-ntfy-topic", "holdpoint-ops-9");
  await Promise.all([page.waitForURL(base + "/settings"), page.click("form.channels-form button[type=submit]")]);
  check(await page.isVisible("text=Channels saved for the workspace."), "the settings page saved the channels");

  await page.goto(base + "/account");
  check(await page.isVisible("code:text-is('https://ntfy.example.com/')"), "the account page names the server");
  await page.fill("#push-topic", TOPIC);
  await Promise.all([page.waitForURL(base + "/account"), page.click("section.push-topic button[type=submit]")]);
  check(await page.isVisible("text=Your push topic was saved."), "the topic was saved");
  check((await page.inputValue("#push-topic")) === TOPIC, "the page shows the saved topic");
  check(await page.evaluate(() => document.querySelector("#push-topic").checkValidity()), "the saved topic is valid");
  await page.fill("#push-topic", "has spaces");
  check(!(await page.evaluate(() => document.querySelector("#push-topic").checkValidity())),
    "the browser flags a topic with spaces before sending it");
  await shoot(page, "account-push");
  check(problems.length === 0, "no script errors or CSP violations: " + problems.join("; "));
} finally {
  await browser.close();
}
