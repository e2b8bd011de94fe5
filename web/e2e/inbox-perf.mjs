// Timings of the inbox in Chromium for `python -m bench web` (bench/web.py seeds the server):
// (b) a signed-in load of /w/:id/inbox until the conversation list is rendered, from the
// navigation's start (performance.now() in the page), with a cold cache and warm;
// (c) a click on a long conversation until its last message is visible.
// Prints one JSON line: {"list_cold_ms": [...], "list_warm_ms": [...], "open_ms": [...],
// "open_fetched_ms": [...]} (the last: from the click until the messages had arrived).
//
// Environment: BASE_URL, WORKSPACE_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONVERSATION_ID,
// LAST_TEXT (the long conversation's last message), RUNS (default 5).
import { launch, requireEnv } from "./browser.mjs";

const env = requireEnv("BASE_URL", "WORKSPACE_ID", "ACCESS_TOKEN", "REFRESH_TOKEN", "CONVERSATION_ID", "LAST_TEXT");
const RUNS = Number(process.env.RUNS ?? 5);
const WAIT = 30_000;
const LIST_ITEM = "[data-conversation-id]";
const inbox = `${env.BASE_URL}/w/${env.WORKSPACE_ID}/inbox`;

setTimeout(() => {
  console.error("the timing run took longer than 300 s; stopping");
  process.exit(1);
}, 300_000).unref();

// Before the app's own code: signed in, and a watch for the first conversation in the list.
function atDocumentStart({ tokens, item }) {
  localStorage.setItem("relaydesk.tokens", tokens);
  localStorage.setItem("relaydesk.dark", "false");
  const seen = () => {
    if (window.__listRenderedAt === undefined && document.querySelector(item)) {
      window.__listRenderedAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
}

async function signedInContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  await context.addInitScript(atDocumentStart, {
    tokens: JSON.stringify({ access_token: env.ACCESS_TOKEN, refresh_token: env.REFRESH_TOKEN }),
    item: LIST_ITEM,
  });
  return context;
}

async function listRendered(page) {
  await page.waitForFunction(() => window.__listRenderedAt !== undefined, null, { timeout: WAIT });
  return page.evaluate(() => window.__listRenderedAt);
}

// In the page, so that no round trip to this process is timed: click, then check every frame
// until the last message's text is inside the message pane's visible area.
function openAndWaitForLast({ id, text, timeout }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const lastVisible = () => {
      const pane = document.querySelector('[data-testid="messages"]');
      if (!pane) return false;
      const found = document.evaluate(
        `.//*[contains(text(), ${JSON.stringify(text)})]`,
        pane,
        null,
        XPathResult.FIRST_ORDERED_NODE_TYPE,
        null,
      ).singleNodeValue;
      if (!found) return false;
      const box = found.getBoundingClientRect();
      const view = pane.getBoundingClientRect();
      return box.height > 0 && box.bottom > view.top && box.top < view.bottom;
    };
    const frame = () => {
      if (lastVisible()) {
        // How much of it was waiting for the messages themselves (the request's end).
        const fetched = performance
          .getEntriesByType("resource")
          .filter((entry) => entry.name.includes(`/conversations/${id}/messages`) && entry.startTime >= started)
          .map((entry) => entry.responseEnd - started);
        return resolve({ total: performance.now() - started, fetched: fetched.length ? Math.max(...fetched) : null });
      }
      if (performance.now() - started > timeout) return reject(new Error("the last message never became visible"));
      requestAnimationFrame(frame);
    };
    document.querySelector(`[data-conversation-id="${id}"]`).click();
    requestAnimationFrame(frame);
  });
}

const browser = await launch();
const results = { list_cold_ms: [], list_warm_ms: [], open_ms: [], open_fetched_ms: [] };
try {
  for (let run = 0; run < RUNS; run += 1) {
    // A new context has an empty HTTP cache: the first visit.
    const context = await signedInContext(browser);
    const page = await context.newPage();
    await page.goto(inbox, { waitUntil: "commit", timeout: WAIT });
    results.list_cold_ms.push(await listRendered(page));
    // The same context again: assets come from the cache, as on any later visit.
    await page.reload({ waitUntil: "commit", timeout: WAIT });
    results.list_warm_ms.push(await listRendered(page));
    await page.locator(`[data-conversation-id="${env.CONVERSATION_ID}"]`).waitFor({ timeout: WAIT });
    const opened = await page.evaluate(openAndWaitForLast, { id: env.CONVERSATION_ID, text: env.LAST_TEXT, timeout: WAIT });
    results.open_ms.push(opened.total);
    if (opened.fetched !== null) results.open_fetched_ms.push(opened.fetched);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
