// The automation builder end to end in a real browser against a real server: sign up, create a
// blank workflow, set its trigger, add a condition with a step on each branch, save, validate,
// publish, and read the published graph back through the API; then a step left empty is shown
// as a problem and keeps the changes from publishing. Run by tests/e2e/test_builder.py.
//
// Environment: BASE_URL (the server), SCREENSHOT_DIR; optional FAILURE_DIR (screenshots of
// failed steps), CHROMIUM.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { fetchJson, launch, openPage, requireEnv, signUp, stepRunner, waitFor } from "./browser.mjs";

// Every selector in one place: role, label and text first.
const S = {
  nav: (page, label) => page.getByRole("menuitem", { name: new RegExp(`${label}$`) }),
  list: {
    create: (page) => page.getByRole("button", { name: /New workflow$/ }),
    dialog: (page) => page.getByRole("dialog"),
    blank: (dialog) => dialog.getByRole("button", { name: /Blank workflow$/ }),
    name: (dialog) => dialog.getByLabel("Name", { exact: true }),
    submit: (dialog) => dialog.getByRole("button", { name: "Create", exact: true }),
  },
  canvas: {
    region: (page) => page.getByRole("region", { name: "Workflow canvas" }),
    node: (page, id) => page.locator(`[data-node-id="${id}"]`),
    edit: (page, id) => page.locator(`[data-node-id="${id}"]`).getByRole("button", { name: /^Edit / }),
    // The "+" under a step: `from:handle`.
    add: (page, from, handle) => page.locator(`[data-handle="${from}:${handle}"]`),
    menuItem: (page, label) => page.getByRole("menuitem", { name: new RegExp(`${label}$`) }),
    withProblems: (page) => page.locator("[data-node-id][data-problems]"),
  },
  panel: {
    drawer: (page) => page.locator(".ant-drawer-content").filter({ visible: true }),
    close: (drawer) => drawer.getByRole("button", { name: "Close", exact: true }),
    triggerType: (drawer) => drawer.getByLabel("Start when", { exact: true }),
    keywords: (drawer) => drawer.getByLabel("Keywords", { exact: true }),
    ruleValue: (drawer) => drawer.getByLabel("Value of rule 1", { exact: true }),
    text: (drawer) => drawer.getByRole("textbox", { name: "Text", exact: true }),
    tags: (drawer) => drawer.getByLabel("Tags", { exact: true }),
  },
  option: (page, label) => page.locator(`.ant-select-item-option[title="${label}"]`),
  builder: {
    save: (page) => page.getByRole("button", { name: /Save draft$/ }),
    validate: (page) => page.getByRole("button", { name: /Validate$/ }),
    publish: (page) => page.getByRole("button", { name: /Publish( changes)?$/ }),
    unsaved: (page) => page.getByText("Unsaved", { exact: true }),
    problems: (page) => page.getByTestId("problems"),
    message: (page, text) => page.locator(".ant-message").getByText(text),
  },
};

const WAIT = 20_000;
const MOBILE = { width: 375, height: 740 };

const env = requireEnv("BASE_URL", "SCREENSHOT_DIR");
const failureDir = process.env.FAILURE_DIR ?? join(tmpdir(), "relaydesk-e2e-failures");
const run = Date.now().toString(36);
const replyText = "Hi {{contact.name}}, our prices: ...";
mkdirSync(env.SCREENSHOT_DIR, { recursive: true });

setTimeout(() => {
  console.error("the browser run took longer than 180 s; stopping");
  process.exit(1);
}, 180_000).unref();

const browser = await launch();
const { context, page, problems } = await openPage(browser, WAIT);
const { step, finish } = stepRunner(page, failureDir, "builder-");

let workspaceId = "";
let workflowId = "";


/** The API as the signed-in user: the page's own access token. */
async function apiCall(path, init = {}) {
  const tokens = await page.evaluate(() => JSON.parse(localStorage.getItem("relaydesk.tokens") ?? "null"));
  if (!tokens) throw new Error("not signed in");
  return fetchJson(`${env.BASE_URL}/api/v1/workspaces/${workspaceId}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
  });
}
const apiGet = (path) => apiCall(path);

async function openPanel(nodeId) {
  await S.canvas.edit(page, nodeId).click();
  const drawer = S.panel.drawer(page);
  await drawer.waitFor();
  return drawer;
}

async function closePanel() {
  const drawer = S.panel.drawer(page);
  await S.panel.close(drawer).click();
  await drawer.waitFor({ state: "hidden" });
}

/** Inserts a step of the menu's `label` on `from`'s `handle`; its settings panel opens. */
async function addStep(from, handle, label, id) {
  await S.canvas.add(page, from, handle).click();
  await S.canvas.menuItem(page, label).click();
  await S.canvas.node(page, id).waitFor();
  const drawer = S.panel.drawer(page);
  await drawer.getByText(id).first().waitFor();
  return drawer;
}

const edges = (graph) =>
  graph.edges
    .map((e) => `${e.from}-${e.handle ?? "next"}->${e.to}`)
    .sort()
    .join(" ");

try {
  await step(
    "sign up",
    async () => {
      const inbox = await signUp(page, env.BASE_URL, `builder-${run}@example.com`);
      workspaceId = inbox.split("/w/")[1].split("/")[0];
    },
    { critical: true },
  );

  await step(
    "create a blank workflow",
    async () => {
      await S.nav(page, "Automation").click();
      await page.waitForURL(/\/automation$/);
      await S.list.create(page).click();
      const dialog = S.list.dialog(page);
      await S.list.blank(dialog).click();
      await S.list.name(dialog).fill("Price questions");
      await S.list.submit(dialog).click();
      await page.waitForURL(/\/automation\/[0-9a-f-]{36}$/);
      workflowId = page.url().split("/").at(-1);
      await S.canvas.node(page, "trigger").waitFor();
    },
    { critical: true },
  );

  await step(
    "build: keyword trigger, condition, a step on each branch",
    async () => {
      let drawer = await openPanel("trigger");
      await S.panel.triggerType(drawer).fill("message");
      await S.option(page, "A message arrives").click();
      await S.panel.keywords(drawer).fill("price");
      await S.panel.keywords(drawer).press("Enter");
      await closePanel();
      await S.canvas.node(page, "trigger").getByText("Keywords: price").waitFor();

      drawer = await addStep("trigger", "next", "Condition", "condition_1");
      await S.panel.ruleValue(drawer).fill("vip");
      await closePanel();

      drawer = await addStep("condition_1", "true", "Send a message", "send_message_1");
      await S.panel.text(drawer).fill(replyText);
      await closePanel();

      drawer = await addStep("condition_1", "false", "Add tags", "add_tag_1");
      await S.panel.tags(drawer).fill("lead");
      await S.panel.tags(drawer).press("Enter");
      await closePanel();
      await S.canvas.node(page, "add_tag_1").getByText("lead").waitFor();
    },
    { critical: true },
  );

  await step(
    "save, validate and publish",
    async () => {
      await S.builder.save(page).click();
      await S.builder.unsaved(page).waitFor({ state: "hidden" });
      await S.builder.validate(page).click();
      await S.builder.message(page, "No problems found.").waitFor();
      if ((await S.canvas.withProblems(page).count()) !== 0) throw new Error("a node is outlined as a problem");
      await S.builder.publish(page).click();
      await S.builder.message(page, "Published version 1.").waitFor();
      const workflow = await apiGet(`/workflows/${workflowId}`);
      if (workflow.status !== "published" || workflow.published_version !== 1)
        throw new Error(`the API says ${workflow.status} v${workflow.published_version}`);
      const { graph } = workflow;
      const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
      const want = "condition_1-false->add_tag_1 condition_1-true->send_message_1 trigger-next->condition_1";
      if (edges(graph) !== want) throw new Error(`edges: ${edges(graph)}`);
      const checks = {
        trigger: graph.trigger.type === "message_received" && JSON.stringify(graph.trigger.params.keywords?.values) === '["price"]',
        condition: JSON.stringify(byId.condition_1?.params.rules) === JSON.stringify([{ field: "contact.tags", op: "contains", value: "vip" }]),
        send: byId.send_message_1?.type === "send_message" && byId.send_message_1.params.text === replyText,
        tag: byId.add_tag_1?.type === "add_tag" && JSON.stringify(byId.add_tag_1.params.tags) === '["lead"]',
      };
      const wrong = Object.entries(checks).filter(([, ok]) => !ok);
      if (wrong.length) throw new Error(`published graph differs (${wrong.map(([k]) => k).join(", ")}): ${JSON.stringify(graph)}`);
      await page.getByRole("tab", { name: "Run history" }).click();
      await page.waitForURL(/\/runs$/);
      await page.getByText("No runs yet").first().waitFor();
      await page.getByRole("tab", { name: "Builder" }).click();
      await S.canvas.node(page, "add_tag_1").waitFor();
      // A settled picture: no toasts, no hover.
      await waitFor("the toasts to go", async () => (await page.locator(".ant-message-notice").count()) === 0, WAIT);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(env.SCREENSHOT_DIR, "automation-builder.png"), animations: "disabled" });
    },
    { critical: true },
  );

  await step("a test run shows what each step would do", async () => {
    await apiCall("/contacts", { method: "POST", body: JSON.stringify({ name: "Wang Fang", email: `vip-${run}@example.com`, tags: ["vip"] }) });
    await page.getByRole("button", { name: "Test run", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Test run" });
    try {
      await dialog.getByRole("combobox", { name: "Contact" }).fill("Wang");
      await page.locator(".ant-select-item-option", { hasText: "Wang Fang" }).click();
      await dialog.getByRole("button", { name: "Run test", exact: true }).click();
      const result = page.getByTestId("test-result");
      // The condition ran and, the contact being a VIP, the step on its "Yes" branch after it.
      await result.getByText("condition_1", { exact: true }).waitFor();
      await result.getByText("send_message_1", { exact: true }).waitFor();
      if (process.env.EXTRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.EXTRA_SCREENSHOT_DIR, "automation-test-run.png") });
      const runs = await apiGet(`/workflows/${workflowId}/runs`);
      if (!runs.items.some((r) => r.dry_run)) throw new Error(`no dry run listed: ${JSON.stringify(runs.items)}`);
    } finally {
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    }
  });

  await step("an empty message is a problem and blocks publishing", async () => {
    await addStep("send_message_1", "next", "Send a message", "send_message_2");
    await closePanel();
    await S.builder.publish(page).click();
    await S.builder.problems(page).waitFor();
    await S.canvas.node(page, "send_message_2").and(page.locator("[data-problems]")).waitFor();
    const listed = await S.builder.problems(page).innerText();
    if (!listed.includes("send_message_2")) throw new Error(`the problem list says: ${listed}`);
    const workflow = await apiGet(`/workflows/${workflowId}`);
    if (workflow.published_version !== 1) throw new Error(`published v${workflow.published_version}`);
    if (!workflow.graph.nodes.some((n) => n.id === "send_message_2")) throw new Error("the draft was not saved before publishing");
    const versions = await apiGet(`/workflows/${workflowId}/versions`);
    if (versions.length !== 1) throw new Error(`${versions.length} versions`);
    // The problem opens its step; filling the text clears the outline at once (the builder's
    // own checks take over).
    await S.builder.problems(page).getByRole("button", { name: /send_message_2/ }).click();
    const drawer = S.panel.drawer(page);
    await drawer.waitFor();
    await S.panel.text(drawer).fill("Anything else?");
    await waitFor("the outline to clear", async () => (await S.canvas.withProblems(page).count()) === 0, WAIT);
    await closePanel();
  });

  await step("dark mode and Chinese", async () => {
    await page.getByRole("switch", { name: "Dark mode" }).click();
    await page.locator(".react-flow.dark").waitFor();
    await page.getByLabel("Language", { exact: true }).getByText("中文", { exact: true }).click();
    await S.canvas.node(page, "trigger").getByText("当：收到消息").waitFor();
    await S.canvas.node(page, "condition_1").getByText("条件").waitFor();
    if (process.env.EXTRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.EXTRA_SCREENSHOT_DIR, "automation-builder-dark-zh.png") });
    await page.getByLabel("语言", { exact: true }).getByText("English", { exact: true }).click();
    await page.getByRole("switch", { name: "Dark mode" }).click();
    await page.locator(".react-flow.light").waitFor();
  });

  await step("the list: state, a copy, a template installed", async () => {
    await page.getByRole("button", { name: "Back to workflows", exact: true }).click();
    // The last edit is unsaved, so leaving asks first.
    await page.getByRole("button", { name: "Leave", exact: true }).click();
    await page.waitForURL(/\/automation$/);
    const row = (name) => page.locator("tr", { has: page.getByRole("link", { name, exact: true }) });
    await row("Price questions").getByText("Published v1").waitFor();
    await page.getByRole("button", { name: "Duplicate Price questions", exact: true }).click();
    await row("Price questions (copy)").getByText("Draft", { exact: true }).waitFor();
    await S.list.create(page).click();
    const dialog = S.list.dialog(page);
    await dialog.getByRole("button", { name: "Keyword auto-reply", exact: true }).click();
    await dialog.getByLabel("Keywords", { exact: true }).fill("hours");
    await dialog.getByLabel("Keywords", { exact: true }).press("Enter");
    await dialog.getByLabel("Reply", { exact: true }).fill("We are open 9:00-18:00.");
    await dialog.getByRole("button", { name: "Install and publish", exact: true }).click();
    await page.waitForURL(/\/automation\/[0-9a-f-]{36}$/);
    await S.canvas.node(page, "trigger").getByText("Keywords: hours").waitFor();
    await page.getByText("Published v1").waitFor();
  });

  await step("phone width: full-width canvas and settings", async () => {
    await page.setViewportSize(MOBILE);
    await page.reload();
    await S.canvas.node(page, "trigger").waitFor();
    const canvas = await S.canvas.region(page).boundingBox();
    if (!canvas || canvas.width < MOBILE.width - 2) throw new Error(`canvas is ${canvas?.width} px wide`);
    await openPanel("trigger");
    const panel = await S.panel.drawer(page).boundingBox();
    if (!panel || panel.width < MOBILE.width - 2) throw new Error(`the panel is ${panel?.width} px wide`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    if (overflow) throw new Error("the page scrolls sideways");
    if (process.env.EXTRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.EXTRA_SCREENSHOT_DIR, "automation-builder-mobile.png") });
  });
} catch (error) {
  console.log(error.message);
} finally {
  await browser.close();
}

finish(problems, `screenshot in ${env.SCREENSHOT_DIR}`);
