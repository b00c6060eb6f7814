// The examples (../../../../examples) against the same live idgate: the device-flow CLI
// and the admin CLI run as child processes and are approved in chromium; the web app runs
// in chromium at /examples/web-app/, served by `idgate serve` (local mode).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { IdgateAdmin } from "../../dist/esm/index.js";
import { CUSTOMER, OWNER, SLUG, approveDevice, signInOnLoginPage } from "../support/live.mjs";

const sdkRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const examples = resolve(sdkRoot, "../../examples");

export const DEMO_CUSTOMER = { email: "dee@example.com", password: "dee-password-123", name: "Dee" };
/** What the examples' tests need provisioned: the demo tenant (whose web-app-example
 * client `idgate serve` registers at start-up) with a customer. */
export const EXAMPLES_PROVISIONING = [[
  ["tenant", "create", "demo", "--name", "Demo Organization"],
  ["user", "create", "demo", "--email", DEMO_CUSTOMER.email, "--password", DEMO_CUSTOMER.password, "--name", DEMO_CUSTOMER.name],
]];

/** What `npm install` does for the examples' `file:` dependency on the SDK. */
function linkSdk(example) {
  const link = join(examples, example, "node_modules", "@idgate", "sdk");
  if (existsSync(link)) return;
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), sdkRoot), link, "dir");
}

/** Run an example CLI; `onLine` sees each line of its output as it comes. */
function runCli(example, args, onLine) {
  linkSdk(example);
  const child = spawn(process.execPath, [join(examples, example, `${example}.mjs`), ...args], {
    cwd: join(examples, example),
  });
  let output = "";
  let pending = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop();
    for (const line of lines) onLine(line);
  });
  let errors = "";
  child.stderr.on("data", (chunk) => (errors += chunk));
  onLine.child = child;
  return new Promise((done) => child.on("exit", (code) => done({ code, output, errors })));
}

function approveWhenAsked(page, person) {
  let approval;
  const onLine = (line) => {
    const match = /\(or open (\S+)\)/.exec(line);
    if (match && !approval) {
      const url = new URL(match[1]);
      const code = { verificationUriComplete: url.href, userCode: url.searchParams.get("user_code") };
      approval = approveDevice(page, code, person).catch((error) => {
        onLine.child?.kill(); // or the CLI polls until its code expires
        throw error;
      });
      approval.catch(() => {}); // awaited by the test once the CLI has exited
    }
  };
  return { onLine, approved: () => approval };
}

export function exampleTests(world) {
  describe("examples", { concurrency: true }, () => {
    test("device-cli signs a customer in with the device flow and prints who they are", async () => {
      const { idgate, newPage } = world();
      const page = await newPage();
      const asked = approveWhenAsked(page, CUSTOMER);
      const result = await runCli("device-cli", ["--issuer", idgate.issuer, "--client-id", "tv", "--connection", "github"], asked.onLine);
      await asked.approved();
      assert.equal(result.code, 0, result.output + result.errors);
      assert.match(result.output, /To sign in, open \S+\/t\/shop\/device and enter the code [A-Z]{4}-[A-Z]{4}/);
      assert.match(result.output, new RegExp(`signed in as ${CUSTOMER.email} \\(${CUSTOMER.name}\\)`));
      assert.match(result.output, /no github token: /);
      await page.context().close();
    });

    test("admin-cli signs an operator in, approves the organization given and lists them", async () => {
      const { idgate, newPage } = world();
      await new IdgateAdmin({ baseUrl: idgate.baseUrl }).signUp({
        email: "erin@example.com", password: "erin operator password 42", organization: { slug: "erin-co", name: "Erin Co" },
      });
      const page = await newPage();
      const asked = approveWhenAsked(page, OWNER);
      const result = await runCli("admin-cli", ["--url", idgate.baseUrl, "--approve", "erin-co"], asked.onLine);
      await asked.approved();
      assert.equal(result.code, 0, result.output + result.errors);
      assert.match(result.output, new RegExp(`signed in as ${OWNER.email} \\(platform owner\\)`));
      assert.match(result.output, /approved erin-co: active/);
      assert.match(result.output, new RegExp(`\\n  ${SLUG}\\s+active`));
      assert.match(result.output, /\n  erin-co\s+active/);
      await page.context().close();
    });

    test("web-app signs in, shows the claims, refreshes, loads userinfo and signs out", async () => {
      const { idgate, newPage } = world();
      const page = await newPage();
      const app = `${idgate.baseUrl}/examples/web-app/`;
      await page.goto(app);
      await page.getByText("Signed out").waitFor();
      await page.click("#sign-in");
      await signInOnLoginPage(page, DEMO_CUSTOMER, { consentOr: (url) => url.href.startsWith(app) });
      await page.getByRole("status").getByText("Signed in").waitFor();
      assert.equal(page.url(), app, "the code is dropped from the URL");
      assert.equal(await page.textContent("#who"), DEMO_CUSTOMER.email);
      const claims = JSON.parse(await page.textContent("#claims"));
      assert.equal(claims.iss, `${idgate.baseUrl}/t/demo`);
      assert.equal(claims.aud, "web-app-example");

      await page.click("#refresh");
      await page.getByText("Refreshed").waitFor();
      await page.click("#load-userinfo");
      await page.locator("#userinfo", { hasText: DEMO_CUSTOMER.email }).waitFor();
      assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));

      const logout = page.waitForRequest((request) => request.url().startsWith(`${idgate.baseUrl}/t/demo/logout`));
      await page.click("#sign-out");
      await logout;
      await page.waitForLoadState();
      const confirm = page.getByRole("button", { name: /sign out|log out|yes/i });
      if (!page.url().startsWith(app) && (await confirm.count()) > 0) await confirm.first().click();
      await page.waitForURL(`${app}**`);
      await page.getByRole("status").getByText("Signed out").waitFor();
      // idgate's session ended too: signing in again asks for the password.
      await page.click("#sign-in");
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.context().close();
    });
  });
}
