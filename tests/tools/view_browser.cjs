// Drives the trajectory viewer in a real browser with puppeteer-core (Chromium over the DevTools
// protocol, Firefox over WebDriver BiDi), as a person would use it: filter the episodes to the
// failed ones with the page's own select, open one by clicking its row, unfold a reasoning block,
// read a code episode's diff, follow a deep link to a turn, move with j/k, and take a
// screenshot. Every console error and every request that leaves the viewer's own origin is
// reported. Called by test_view.py:
//     node view_browser.cjs CONFIG.json   (prints one JSON report)
"use strict";
const fs = require("fs");
const path = require("path");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const puppeteer = require(path.join(cfg.npm, "node_modules", "puppeteer-core"));

// Moves to an episode's page through the URL and waits until that episode is rendered.
async function episode(page, id) {
  await page.evaluate((i) => { location.hash = "#/episode/" + i; }, id);
  await page.waitForFunction((i) => {
    const h1 = document.querySelector("#main h1");
    return h1 && h1.textContent.startsWith(`Episode ${i} `);
  }, { timeout: 15000 }, id);
}

async function main() {
  const report = { errors: [], requests: [], checks: {} };
  partial = report;
  const browser = await puppeteer.launch({
    browser: cfg.browser,
    executablePath: cfg.executable,
    headless: true,
    args: cfg.browser === "chrome" ? ["--no-sandbox", "--disable-gpu", "--no-first-run"] : [],
    timeout: 60000,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on("console", (m) => { if (m.type() === "error") report.errors.push(m.text()); });
    page.on("pageerror", (e) => report.errors.push(String(e)));
    page.on("request", (r) => { if (!r.url().startsWith(cfg.origin)) report.requests.push(r.url()); });
    await page.goto(cfg.index + "#/episodes", { waitUntil: "load" });
    await page.waitForFunction(() => document.documentElement.hasAttribute("data-ready"), { timeout: 15000 });

    // Filter to the failed episodes with the page's own select.
    await page.waitForSelector('select[aria-label="passed"]');
    await page.select('select[aria-label="passed"]', "0");
    await page.waitForFunction(() => location.hash.includes("passed=0"), { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll("tr.row").length > 0, { timeout: 10000 });
    const rows = await page.$$eval("tr.row", (trs) => trs.map((tr) => tr.querySelector("td.fail") !== null));
    report.checks.failed_rows = rows.length;
    report.checks.all_rows_failed = rows.every(Boolean);

    // Open the first by clicking its row.
    await page.click("tr.row");
    await page.waitForFunction(() => /^#\/episode\/\d+$/.test(location.hash), { timeout: 10000 });
    await page.waitForFunction(() => document.body.innerText.includes("Transcript"), { timeout: 10000 });
    report.checks.opened = await page.evaluate(() => location.hash);

    // Unfold the first reasoning block of an episode that has one.
    await episode(page, cfg.reasoning_episode);
    const summary = await page.evaluateHandle(() =>
      [...document.querySelectorAll(".msg.assistant details > summary")].find((s) => s.textContent === "reasoning"));
    report.checks.reasoning_closed_before = await page.evaluate((s) => s && !s.parentElement.open, summary);
    if (await page.evaluate((s) => !!s, summary)) await summary.asElement().click();
    report.checks.reasoning = await page.evaluate((s) => {
      if (!s || !s.parentElement.open) return null;
      const pre = s.parentElement.querySelector("pre");
      return pre.offsetHeight > 0 ? pre.textContent : null;
    }, summary);

    // The agent's diff of a code episode, as shown.
    await episode(page, cfg.code_episode);
    report.checks.diff = await page.evaluate(() => {
      const pre = document.querySelector("pre.diff");
      return pre ? pre.textContent : null;
    });

    // Back to the whole list (j and k walk the list last shown, which was the failed ones).
    await page.evaluate(() => { location.hash = "#/episodes"; });
    await page.waitForFunction((n) => document.querySelectorAll("tr.row").length === n, { timeout: 10000 }, Math.min(cfg.episodes, 200));

    // A deep link to a turn: that turn is marked and in view.
    const hash = `#/episode/${cfg.turn_episode}?turn=${cfg.turn}`;
    await page.goto(cfg.index + hash, { waitUntil: "load" });
    await page.waitForFunction(() => document.documentElement.hasAttribute("data-ready") && document.querySelector(".msg"), { timeout: 15000 });
    report.checks.deep_link = await page.evaluate((turn) => {
      const all = [...document.querySelectorAll(".msg.assistant")];
      const focus = document.querySelector(".msg.focus");
      if (!focus) return null;
      const box = focus.getBoundingClientRect();
      return { index: all.indexOf(focus) + 1, in_view: box.top < innerHeight && box.bottom > 0, hash: location.hash };
    }, cfg.turn);

    // j and k move between episodes.
    await page.click("#main h1");
    await page.keyboard.press("j");
    await page.waitForFunction((h) => location.hash !== h, { timeout: 10000 }, hash);
    const after_j = await page.evaluate(() => location.hash);
    await page.keyboard.press("k");
    await page.waitForFunction((h) => location.hash !== h, { timeout: 10000 }, after_j);
    report.checks.keys = [after_j, await page.evaluate(() => location.hash)];

    await page.evaluate(() => { location.hash = "#/"; });
    await page.waitForFunction(() => document.body.innerText.includes("pass rate by difficulty"), { timeout: 15000 });
    await page.screenshot({ path: cfg.screenshot });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}

let partial = null;
main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack || e).slice(0, 300) + " " + JSON.stringify(partial) }) + "\n");
  process.exit(1);
});
