// Measures the console's density: pending pauses fully in view without scrolling at 1280×800 and
// 390×844 with 10 pending, and the phone navigation's height. Run by tests/api/browser.rs as:
//   node e2e/density.mjs BASE_URL API_KEY SHOTS_DIR
import { api, base, check, launch, setUpOwner } from "./lib.mjs";

const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await setUpOwner(page);
  for (let i = 1; i <= 10; i++) {
    const res = await api("/api/pause", { method: "POST", body: JSON.stringify({
      action: `Refund order #88${10 + i} ($${i * 120}.00) to the customer's card`,
      context: { order: 8810 + i, amount: i * 120, currency: "USD" }, agent: "billing-bot" }) });
    check(res.status === 201, `pause ${i} created`);
  }
  const inView = () => page.evaluate(() => [...document.querySelectorAll("[data-watch-id]")].filter((el) => {
    if (el.closest("article")) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  }).length);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(base + "/");
  const desktop = await inView();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + "/");
  const phone = await inView();
  const nav = await page.evaluate(() => document.querySelector("header.top").getBoundingClientRect().height);
  console.log(`MEASURED desktop=${desktop} phone=${phone} phone-nav=${Math.round(nav)}px`);
} finally {
  await browser.close();
}
