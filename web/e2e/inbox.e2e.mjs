// The inbox end to end in a real browser, against a real server and the Telegram fake:
// sign up, connect a bot, a customer writes, the agent answers, the customer's next message
// marks the answer read; languages, dark mode, a contacts CSV import, and the screenshots in
// docs/screenshots. Run by tests/e2e/test_browser.py, which starts the server and the fake.
//
// Environment: BASE_URL (the server), TELEGRAM_FAKE_URL, TELEGRAM_BOT_TOKEN (registered in the
// fake), SCREENSHOT_DIR; optional FAILURE_DIR (screenshots of failed steps), CHROMIUM.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { fetchJson, launch, openPage, requireEnv, signUp, stepRunner, waitFor } from "./browser.mjs";

// Every selector in one place: role, label and text first, since the screens keep growing.
const S = {
  // Menu items' names start with their icon's label ("inbox Inbox").
  nav: (page, label) => page.getByRole("menuitem", { name: new RegExp(`${label}$`) }),
  channels: {
    connect: (page) => page.getByRole("button", { name: /Connect a channel$/ }),
    telegram: (page) => page.getByRole("menuitem", { name: /Telegram bot$/ }),
    dialog: (page) => page.getByRole("dialog", { name: "Connect a Telegram bot" }),
    name: (dialog) => dialog.getByLabel("Name", { exact: true }),
    token: (dialog) => dialog.getByLabel("Bot token", { exact: true }),
    submit: (dialog) => dialog.getByRole("button", { name: "Connect", exact: true }),
    connected: (dialog) => dialog.getByText("Telegram now sends this bot's messages here."),
    done: (dialog) => dialog.getByRole("button", { name: "Done", exact: true }),
    advanced: (dialog) => dialog.getByRole("button", { name: /Advanced$/ }),
    apiServer: (dialog) => dialog.getByLabel("API server", { exact: true }),
  },
  inbox: {
    list: (page) => page.getByRole("region", { name: "Conversations" }),
    // A conversation in the list, found by what its customer wrote.
    conversation: (page, text) => page.locator("[data-conversation-id]", { hasText: text }),
    messages: (page) => page.getByTestId("messages"),
    // A stored message: while a send is in flight the pane may also hold its "pending-" copy.
    bubble: (page, text) =>
      page.getByTestId("messages").locator('[data-message-id]:not([data-message-id^="pending-"])', { hasText: text }),
    anyConversation: (page) => page.locator("[data-conversation-id]").first(),
    composer: (page) => page.getByPlaceholder(/^Write a reply/),
    send: (page) => page.getByRole("button", { name: /(^|\s)Send$/ }),
    sentTick: '[data-status="sent"], [data-status="delivered"], [data-status="read"]',
    readTick: '[data-status="read"]',
  },
  header: {
    language: (page, label) => page.getByLabel(label, { exact: true }),
    darkMode: (page) => page.getByRole("switch", { name: "Dark mode" }),
  },
  contacts: {
    importButton: (page) => page.getByRole("button", { name: /Import CSV$/ }),
    dialog: (page) => page.getByRole("dialog"),
    file: (dialog) => dialog.locator('input[type="file"]'),
    report: (page) => page.getByTestId("import-report"),
    errors: (page) => page.getByTestId("import-errors"),
    errorRows: (errors) => errors.locator("tr[data-row-key]"),
    created: /\b997 created\b/,
    failed: /\b3 failed\b/,
  },
};

const WAIT = 20_000; // any single condition
const MOBILE = { width: 375, height: 740 };

const env = requireEnv("BASE_URL", "TELEGRAM_FAKE_URL", "TELEGRAM_BOT_TOKEN", "SCREENSHOT_DIR");
const failureDir = process.env.FAILURE_DIR ?? join(tmpdir(), "relaydesk-e2e-failures");
const botId = env.TELEGRAM_BOT_TOKEN.split(":")[0];
const run = Date.now().toString(36);
const customer = { id: 4242, first_name: "Li Lei" };
// Each run has a server and a fake of its own, so these are unique where they are looked for.
const texts = {
  first: "Hello, is my order #1042 on its way?",
  reply: "Yes, it ships today. You will get the tracking number by email.",
  second: "Great, thank you!",
};
mkdirSync(env.SCREENSHOT_DIR, { recursive: true });

// The whole run has a ceiling too, so a wedged browser can never hang the suite.
setTimeout(() => {
  console.error("the browser run took longer than 240 s; stopping");
  process.exit(1);
}, 240_000).unref();

async function injectCustomerText(text) {
  const update = { message: { chat: { ...customer, type: "private" }, from: { ...customer, is_bot: false }, text } };
  await fetchJson(`${env.TELEGRAM_FAKE_URL}/_control/bots/${botId}/updates`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ updates: [update] }),
  });
}

async function sentByBot() {
  const answer = await fetchJson(`${env.TELEGRAM_FAKE_URL}/_control/bots/${botId}/sent`);
  return answer.sent.map((s) => s.params?.text);
}

function csvOfContacts(count, badRows) {
  // Row numbers as the import reports them: the header is row 1, the first contact row 2.
  const lines = ["name,email,phone"];
  for (let row = 2; row < count + 2; row += 1) {
    const bad = badRows[row];
    const email = bad === "email" ? "not-an-email" : `customer${row}@example.com`;
    const phone = bad === "phone" ? "+1 12" : `+86139${String(row).padStart(8, "0")}`;
    lines.push(`Customer ${row},${email},${phone}`);
  }
  return Buffer.from(lines.join("\r\n") + "\r\n", "utf8");
}

const browser = await launch();
const { context, page, problems } = await openPage(browser, WAIT);
const { step, finish } = stepRunner(page, failureDir);
// The inbox's live connection: a `caught_up` frame means it is subscribed.
let caughtUp = 0;
page.on("websocket", (socket) =>
  socket.on("framereceived", ({ payload }) => {
    if (typeof payload === "string" && payload.includes('"caught_up"')) caughtUp += 1;
  }),
);

let workspaceInbox = "";


async function openInbox() {
  const before = caughtUp;
  await S.nav(page, "Inbox").click();
  await page.waitForURL(/\/inbox/);
  await S.inbox.list(page).waitFor();
  await waitFor("the inbox's live connection", () => caughtUp > before, WAIT);
}

async function shot(name) {
  // Transitions (the theme switch fades) are finished at once, so every picture is settled.
  await page.screenshot({ path: join(env.SCREENSHOT_DIR, name), animations: "disabled" });
}

try {
  await step(
    "sign up",
    async () => {
      workspaceInbox = await signUp(page, env.BASE_URL, `agent-${run}@example.com`);
      await S.inbox.list(page).waitFor();
    },
    { critical: true },
  );

  await step(
    "connect a Telegram bot",
    async () => {
      await S.nav(page, "Settings").click();
      await page.waitForURL(/\/settings\/channels$/);
      await S.channels.connect(page).click();
      await S.channels.telegram(page).click();
      const dialog = S.channels.dialog(page);
      await S.channels.name(dialog).fill("Support bot");
      await S.channels.token(dialog).fill(env.TELEGRAM_BOT_TOKEN);
      // The fake stands where a self-hosted Bot API server would: the dialog's advanced field.
      await S.channels.advanced(dialog).click();
      await S.channels.apiServer(dialog).fill(env.TELEGRAM_FAKE_URL);
      await S.channels.submit(dialog).click();
      await S.channels.connected(dialog).waitFor();
      await S.channels.done(dialog).click();
      await dialog.waitFor({ state: "hidden" });
      const bot = await fetchJson(`${env.TELEGRAM_FAKE_URL}/_control/bots/${botId}`);
      if (!bot.webhook_url?.startsWith(env.BASE_URL)) throw new Error(`the fake holds webhook ${bot.webhook_url}`);
      await page.getByText("Support bot").first().waitFor();
      await shot("settings-channels.png");
    },
    { critical: true },
  );

  await step(
    "a customer's message appears live",
    async () => {
      await openInbox();
      await page.evaluate(() => {
        window.__notReloaded = true;
      });
      await injectCustomerText(texts.first);
      await S.inbox.conversation(page, texts.first).waitFor();
      if (!(await page.evaluate(() => window.__notReloaded === true))) throw new Error("the page reloaded");
    },
    { critical: true },
  );

  await step("reply reaches Telegram and is read", async () => {
    await S.inbox.conversation(page, texts.first).click();
    await S.inbox.bubble(page, texts.first).waitFor();
    await S.inbox.composer(page).fill(texts.reply);
    await S.inbox.send(page).click();
    await S.inbox.bubble(page, texts.reply).waitFor();
    await waitFor("the fake to receive the reply", async () => (await sentByBot()).includes(texts.reply), WAIT);
    await S.inbox.bubble(page, texts.reply).locator(S.inbox.sentTick).first().waitFor();
    await injectCustomerText(texts.second);
    await S.inbox.bubble(page, texts.second).waitFor();
    await S.inbox.bubble(page, texts.reply).locator(S.inbox.readTick).waitFor();
  });

  await step("Chinese, English and dark screenshots", async () => {
    await S.header.language(page, "Language").getByText("中文", { exact: true }).click();
    await S.nav(page, "收件箱").waitFor();
    await shot("inbox-zh.png");
    await S.header.language(page, "语言").getByText("English", { exact: true }).click();
    await S.nav(page, "Inbox").waitFor();
    await shot("inbox-en.png");
    await S.header.darkMode(page).click();
    await waitFor("the dark theme", () => page.evaluate(() => localStorage.getItem("relaydesk.dark") === "true"), WAIT);
    await shot("inbox-dark.png");
    await S.header.darkMode(page).click();
    await waitFor("the light theme", () => page.evaluate(() => localStorage.getItem("relaydesk.dark") === "false"), WAIT);
  });

  await step("import 1,000 contacts with 3 bad rows", async () => {
    const badRows = { 11: "email", 501: "phone", 1000: "email" };
    await S.nav(page, "Contacts").click();
    await page.waitForURL(/\/contacts/);
    await S.contacts.importButton(page).click();
    const dialog = S.contacts.dialog(page);
    await S.contacts.file(dialog).setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: csvOfContacts(1000, badRows) });
    const report = S.contacts.report(page);
    await report.waitFor({ timeout: 60_000 });
    const summary = await report.innerText();
    if (!S.contacts.created.test(summary) || !S.contacts.failed.test(summary)) throw new Error(`the report says: ${summary}`);
    const errorList = S.contacts.errors(page);
    const errors = await errorList.innerText();
    const listed = Object.keys(badRows).filter((row) => new RegExp(`\\b${row}\\b`).test(errors));
    const rows = await S.contacts.errorRows(errorList).count();
    if (listed.length !== 3 || rows !== 3) throw new Error(`import-errors has ${rows} rows, naming ${listed.join(", ") || "none"}: ${errors}`);
    await page.keyboard.press("Escape");
    await report.waitFor({ state: "hidden", timeout: 5_000 }).catch(() => undefined);
    await shot("contacts.png");
  });

  await step("mobile inbox", async () => {
    await page.setViewportSize(MOBILE);
    await page.goto(workspaceInbox);
    await S.inbox.list(page).waitFor();
    await S.inbox.anyConversation(page).waitFor();
    await shot("inbox-mobile.png");
  });
} catch (error) {
  console.log(error.message);
} finally {
  await browser.close();
}

finish(problems, `screenshots in ${env.SCREENSHOT_DIR}`);
