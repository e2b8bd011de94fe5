// What the browser scripts in this folder share: Debian's Chromium driven by playwright-core,
// environment checks, and waits that end in a clear error instead of hanging.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// Flags for a headless run on a server: no sandbox (containers often lack user namespaces), no
// GPU, and none of Chromium's own traffic competing with the app under test.
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** The named environment variables, or an exit with the list of the missing ones. */
export function requireEnv(...names) {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length) {
    console.error(`missing environment: ${missing.join(", ")}`);
    process.exit(2);
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

/** Polls `check` (async, truthy when done) until it holds; throws after `timeout` ms. */
export async function waitFor(what, check, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** JSON from a URL, failing on any status but 2xx; every call has a timeout. */
export async function fetchJson(url, init = {}, timeout = 10_000) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeout) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A desktop page (English, light, UTC) with every wait bounded by `wait` ms, and `problems`:
 * the page's errors, console errors and 5xx answers, to print when a step fails.
 */
export async function openPage(browser, wait) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    colorScheme: "light",
    // The app turns animations off then: a click never lands on a menu still sliding in.
    reducedMotion: "reduce",
    timezoneId: "UTC",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(wait);
  page.setDefaultNavigationTimeout(30_000);
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return { context, page, problems };
}

/**
 * Steps that go on after one fails (unless it is `critical`), each timed, a failed one with a
 * full-page screenshot in `failureDir`; `finish()` prints the summary and sets the exit code.
 */
export function stepRunner(page, failureDir, prefix = "") {
  const results = [];
  async function step(name, body, { critical = false } = {}) {
    const started = Date.now();
    try {
      await body();
      results.push({ name, ok: true });
      console.log(`ok    ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      mkdirSync(failureDir, { recursive: true });
      const shot = join(failureDir, `${prefix}${name.replace(/\W+/g, "-")}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      results.push({ name, ok: false });
      console.log(`FAIL  ${name} (${Date.now() - started} ms) at ${page.url()}\n      ${error.message.split("\n").join("\n      ")}\n      screenshot: ${shot}`);
      if (critical) throw new Error(`${name} failed; the steps after it need it`);
    }
  }
  function finish(problems, done) {
    const failed = results.filter((r) => !r.ok);
    if (failed.length || results.length === 0) {
      if (problems.length) console.log(`\nin the page:\n  ${problems.slice(0, 20).join("\n  ")}`);
      console.log(`\n${failed.length} step(s) failed: ${failed.map((r) => r.name).join("; ")}`);
      process.exit(1);
    }
    console.log(`\nall ${results.length} steps passed; ${done}`);
  }
  return { step, finish };
}

/**
 * Sign up as a new person with a new workspace ("Acme Support") and wait for its inbox;
 * returns the inbox's URL (/w/<workspace id>/inbox).
 */
export async function signUp(page, baseUrl, email) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Your name", { exact: true }).fill("Mei Chen");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await page.getByLabel("Workspace name", { exact: true }).fill("Acme Support");
  await page.getByRole("button", { name: /Sign up$/ }).click();
  await page.waitForURL(/\/w\/[0-9a-f-]+\/inbox$/);
  return page.url();
}
