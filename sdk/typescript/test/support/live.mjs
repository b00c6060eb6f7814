// A live `idgate serve` for the integration tests, provisioned through the real CLI as
// tests/browser/conftest.py does: its own working directory and SQLite database, a
// tenant `shop` with a public SPA client (redirect URIs on a blank-page server of this
// process), a device-flow client and a customer, and the platform tenant with its owner.
// Plus Debian chromium driven by playwright-core, and the browser steps a person takes.

import { spawn, execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

export const SLUG = "shop";
export const CUSTOMER = { email: "carol@example.com", password: "carol-password-123", name: "Carol" };
export const OWNER = { email: "root@example.com", password: "root operator password 42" };

/** `IDGATE_BIN`, else the checkout's .venv/bin/idgate, else `idgate` on the PATH. */
export function idgateCommand() {
  if (process.env.IDGATE_BIN) return process.env.IDGATE_BIN;
  const venv = join(repo, ".venv", "bin", "idgate");
  return existsSync(venv) ? venv : "idgate";
}

export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

function listen(server) {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done(server.address().port));
  });
}

async function freePort() {
  const server = createServer();
  const port = await listen(server);
  await new Promise((done) => server.close(done));
  return port;
}

/** A server answering every GET with a blank page: where redirect URIs point. */
export async function blankPages() {
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<!doctype html><title>relying party</title>");
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) };
}

export async function startIdgate({ rpUrl, extraProvisioning = [] }) {
  const workdir = await mkdtemp(join(tmpdir(), "idgate-sdk-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("IDGATE_")));
  Object.assign(env, {
    IDGATE_PUBLIC_URL: baseUrl,
    IDGATE_DATABASE_URL: `sqlite:///${join(workdir, "idgate.db")}`,
    IDGATE_LOG_LEVEL: "WARNING",
  });
  const command = idgateCommand();
  const idgate = async (...args) => {
    try {
      return (await run(command, args, { cwd: workdir, env, timeout: 60_000 })).stdout;
    } catch (error) {
      throw new Error(`idgate ${args.join(" ")} failed (is idgate installed? IDGATE_BIN=${command}):\n${error.stdout ?? ""}${error.stderr ?? error.message}`);
    }
  };
  // The first command creates the master key file; the rest can then run side by side.
  await idgate("tenant", "create", SLUG, "--name", "Shop Inc");
  const codeFlow = ["--grant", "authorization_code", "--grant", "refresh_token"];
  await Promise.all([
    idgate("client", "create", SLUG, "--client-id", "spa", "--public", "--name", "Shop SPA",
      "--redirect-uri", `${rpUrl}/callback`, "--post-logout-redirect-uri", `${rpUrl}/logged-out`, ...codeFlow),
    idgate("client", "create", SLUG, "--client-id", "tv", "--public", "--name", "Shop TV",
      "--grant", "device_code", "--grant", "refresh_token"),
    idgate("user", "create", SLUG, "--email", CUSTOMER.email, "--password", CUSTOMER.password, "--name", CUSTOMER.name),
    idgate("platform", "init", "--owner-email", OWNER.email, "--password", OWNER.password),
    // Each extra chain runs its commands in order (e.g. a tenant, then its user).
    ...extraProvisioning.map(async (chain) => {
      for (const args of chain) await idgate(...args);
    }),
  ]);
  const log = join(workdir, "server.log");
  const { openSync } = await import("node:fs");
  const out = openSync(log, "w");
  const server = spawn(command, ["serve", "--port", String(port)], { cwd: workdir, env, stdio: ["ignore", out, out] });
  const issuer = `${baseUrl}/t/${SLUG}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`idgate serve exited:\n${await readFile(log, "utf8")}`);
    try {
      const response = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`idgate serve did not start:\n${await readFile(log, "utf8")}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    baseUrl,
    issuer,
    platformIssuer: `${baseUrl}/t/platform`,
    workdir,
    idgate,
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((done) => server.once("exit", done));
        server.kill("SIGTERM");
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Sign in on idgate's login page, and allow on its consent page if it asks. */
export async function signInOnLoginPage(page, { email, password }, { consentOr } = {}) {
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (consentOr) {
    await page.waitForURL((url) => url.pathname.endsWith("/consent") || consentOr(url));
    if (new URL(page.url()).pathname.endsWith("/consent")) {
      await page.getByRole("button", { name: "Allow" }).click();
      await page.waitForURL(consentOr);
    }
  }
}

/** `deviceSignIn(options)`, its code approved in the browser by `person`; a failed
 * approval aborts the polling at once (instead of polling until the code expires). */
export async function deviceSignInApproved(deviceSignIn, options, page, person) {
  const controller = new AbortController();
  let approval;
  const session = await deviceSignIn({
    ...options,
    signal: controller.signal,
    onUserCode: (code) => {
      options.onUserCode?.(code);
      approval = approveDevice(page, code, person).catch((error) => {
        controller.abort(error);
        throw error;
      });
      approval.catch(() => {}); // awaited below; the abort reports it meanwhile
    },
  });
  await approval;
  return session;
}

/** Approve a device's user code in the browser, signing in first. */
export async function approveDevice(page, code, person) {
  await page.goto(code.verificationUriComplete);
  await signInOnLoginPage(page, person);
  await page.getByText(code.userCode).waitFor();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.getByRole("heading", { name: "Device connected" }).waitFor();
}
