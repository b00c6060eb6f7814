// The SDK against a live `idgate serve` (started here; see ../support/live.mjs), with
// Debian chromium as the user's browser: the redirect flow, the device flow approved in
// the browser, and the admin API as an operator signed in with the device flow.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_OPERATIONS,
  IdgateAdmin,
  IdgateAuth,
  IdgateError,
  MemoryStorage,
  NetworkError,
  NotSignedInError,
  coveredOperations,
  deviceSignIn,
  discover,
  getUpstreamToken,
} from "../../dist/esm/index.js";
import { operationsOf } from "../../scripts/openapi.mjs";
import {
  CUSTOMER,
  OWNER,
  SLUG,
  blankPages,
  deviceSignInApproved,
  launchChromium,
  signInOnLoginPage,
  startIdgate,
} from "../support/live.mjs";
import { EXAMPLES_PROVISIONING, exampleTests } from "./examples.mjs";

let rp;
let idgate;
let browser;

before(async () => {
  rp = await blankPages();
  [idgate, browser] = await Promise.all([startIdgate({ rpUrl: rp.url, extraProvisioning: EXAMPLES_PROVISIONING }), launchChromium()]);
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  await idgate?.stop();
  await rp?.close();
});

async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000); // a loaded machine hashes several passwords at once
  return page;
}

// The suites run side by side (each in its own browser context): most of their time is
// the device flow's 5 s polling interval.
describe("against a live idgate serve", { concurrency: true, timeout: 300_000 }, () => {
  describe("discovery", () => {
    test("discover returns the tenant's metadata, which advertises RFC 9207's iss", async () => {
      const metadata = await discover(idgate.issuer);
      assert.equal(metadata.issuer, idgate.issuer);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    });

    test("an unreachable issuer is a NetworkError", async () => {
      const closed = await blankPages();
      await closed.close();
      await assert.rejects(discover(`${closed.url}/t/x`, { retries: 0 }), NetworkError);
    });
  });

  describe("the browser redirect flow (public client, PKCE)", () => {
    test("sign in on idgate's page, handle the callback, refresh, userinfo, revoke, sign out", async () => {
      let clockOffset = 0;
      const tokenRequests = [];
      const auth = new IdgateAuth({
        issuer: idgate.issuer,
        clientId: "spa",
        redirectUri: `${rp.url}/callback`,
        storage: new MemoryStorage(),
        now: () => Date.now() + clockOffset,
        fetch: (url, init) => {
          if (url.endsWith("/token")) tokenRequests.push(new URLSearchParams(init.body).get("grant_type"));
          return fetch(url, init);
        },
      });
      const changes = [];
      auth.onChange((session) => changes.push(session ? session.claims.email : null));
      const page = await newPage();

      await page.goto(await auth.signInUrl());
      await signInOnLoginPage(page, CUSTOMER, { consentOr: (url) => url.href.startsWith(`${rp.url}/callback`) });
      const callback = page.url();
      assert.equal(new URL(callback).searchParams.get("iss"), idgate.issuer);

      const session = await auth.handleCallback(callback);
      assert.equal(session.claims.email, CUSTOMER.email);
      assert.equal(session.claims.iss, idgate.issuer);
      assert.equal(session.claims.aud, "spa");
      assert.ok(session.refreshToken, "offline_access gives a refresh token");
      await assert.rejects(auth.handleCallback(callback), /state/, "the state is single use");

      assert.equal(await auth.getAccessToken(), session.accessToken);
      const info = await auth.userinfo();
      assert.equal(info.sub, session.claims.sub);
      assert.equal(info.email, CUSTOMER.email);

      // Fewer than 30 s left: five callers, one refresh, and the refresh token rotates.
      clockOffset = session.expiresAt - Date.now() - 10_000;
      const tokens = await Promise.all(Array.from({ length: 5 }, () => auth.getAccessToken()));
      assert.equal(new Set(tokens).size, 1);
      assert.notEqual(tokens[0], session.accessToken);
      assert.deepEqual(tokenRequests, ["authorization_code", "refresh_token"]);
      const refreshed = await auth.getSession();
      assert.notEqual(refreshed.refreshToken, session.refreshToken);
      assert.equal(refreshed.claims.sub, session.claims.sub);
      clockOffset = 0;
      assert.equal((await auth.userinfo()).sub, session.claims.sub);

      const signOut = await auth.signOutUrl({ postLogoutRedirectUri: `${rp.url}/logged-out` });
      const accessToken = refreshed.accessToken;
      await auth.revoke();
      assert.equal(await auth.getSession(), null);
      await assert.rejects(auth.getAccessToken(), NotSignedInError);
      // Revoking the refresh token revoked its family's access tokens too.
      const userinfo = await fetch(`${idgate.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(userinfo.status, 401);

      await page.goto(signOut);
      const confirm = page.getByRole("button", { name: /sign out|log out|yes/i });
      if (!page.url().startsWith(`${rp.url}/logged-out`) && (await confirm.count()) > 0) await confirm.first().click();
      await page.waitForURL(`${rp.url}/logged-out**`);
      assert.deepEqual(changes, [CUSTOMER.email, CUSTOMER.email, null]);
      await page.context().close();
    });

    test("a denied consent comes back as an IdgateError access_denied", async () => {
      const auth = new IdgateAuth({
        issuer: idgate.issuer, clientId: "spa", redirectUri: `${rp.url}/callback`, storage: new MemoryStorage(),
      });
      const page = await newPage();
      await page.goto(await auth.signInUrl({ prompt: "consent" }));
      await signInOnLoginPage(page, CUSTOMER);
      await page.getByRole("button", { name: "Deny" }).click();
      await page.waitForURL(`${rp.url}/callback**`);
      const error = await auth.handleCallback(page.url()).catch((e) => e);
      assert.ok(error instanceof IdgateError, String(error));
      assert.equal(error.error, "access_denied");
      await page.context().close();
    });
  });

  describe("the device flow", () => {
    test("a TV signs the customer in once they approve in the browser", async () => {
      const page = await newPage();
      const session = await deviceSignInApproved(deviceSignIn, {
        issuer: idgate.issuer,
        clientId: "tv",
        scope: "openid profile email offline_access",
        onUserCode: (code) => assert.match(code.userCode, /^[A-Z]{4}-[A-Z]{4}$/),
      }, page, CUSTOMER);
      assert.equal(session.claims.email, CUSTOMER.email);
      assert.ok(session.refreshToken);
      const upstream = await getUpstreamToken({ issuer: idgate.issuer, connectionId: "github", accessToken: session.accessToken })
        .catch((e) => e);
      assert.ok(upstream instanceof IdgateError, "no upstream account is linked");
      assert.ok([403, 404].includes(upstream.status), `${upstream.status} ${upstream.error}`);
      await page.context().close();
    });
  });

  describe("the admin API as an operator", () => {
    let admin;

    before(async () => {
      const page = await newPage();
      const session = await deviceSignInApproved(deviceSignIn, {
        issuer: idgate.platformIssuer,
        clientId: "idgate-cli",
        scope: "openid offline_access",
      }, page, OWNER);
      await page.context().close();
      admin = new IdgateAdmin({ baseUrl: idgate.baseUrl, accessToken: session.accessToken });
    });

    test("every operation of the live OpenAPI document has a method on IdgateAdmin", async () => {
      const live = await (await fetch(`${idgate.baseUrl}/api/v1/openapi.json`)).json();
      const covered = coveredOperations();
      const missing = operationsOf(live).filter((op) => {
        const spec = ADMIN_OPERATIONS[op.name];
        return !covered.has(op.name) || spec.method !== op.method || spec.path !== op.path;
      });
      assert.deepEqual(
        missing.map((op) => `${op.method} ${op.path} (${op.name})`),
        [],
        "the admin API has operations the SDK does not cover: run `npm run generate -- --from URL`, then add methods in src/admin/namespaces.ts",
      );
    });

    test("me, orgs, tiers, apps, customers, settings, members, keys and audit as the platform owner", async () => {
      const me = await admin.me();
      assert.equal(me.email, OWNER.email);
      assert.equal(me.platform_owner, true);

      const signup = new IdgateAdmin({ baseUrl: idgate.baseUrl });
      const pending = await signup.signUp({
        email: "dana@example.com", password: "dana operator password 42", organization: { slug: "dana-co", name: "Dana Co" },
      });
      assert.equal(pending.status, "pending");
      const listed = await admin.orgs.list({ status: "pending" });
      assert.ok(listed.some((org) => org.slug === "dana-co"));
      const approved = await admin.orgs.approve("dana-co");
      assert.equal(approved.status, "active");

      const tiers = await admin.tiers.list();
      assert.ok(tiers.some((tier) => tier.name === "free"));

      const app = await admin.apps.create(SLUG, {
        client_id: "reports", client_type: "public", redirect_uris: [`${rp.url}/reports`], grants: ["authorization_code"],
      });
      assert.equal(app.client_id, "reports");
      const apps = await admin.apps.list(SLUG);
      assert.deepEqual(apps.map((a) => a.client_id).sort(), ["reports", "spa", "tv"]);
      const renamed = await admin.apps.update(SLUG, "reports", { name: "Reports" });
      assert.equal(renamed.name, "Reports");
      assert.equal(await admin.apps.delete(SLUG, "reports"), undefined);

      const customers = await admin.customers.list(SLUG, { q: "carol" });
      assert.equal(customers.customers?.[0]?.email ?? customers.items?.[0]?.email, CUSTOMER.email);

      const settings = await admin.settings.get(SLUG);
      assert.equal(typeof settings, "object");
      assert.ok(Array.isArray(await admin.members.list(SLUG)));
      assert.ok((await admin.signingKeys.list(SLUG)).some((key) => key.status === "current"));
      const audit = await admin.audit.list(SLUG, { limit: 5 });
      assert.ok(audit.events.length > 0);
    });

    test("a refusal is an IdgateError with the API's status, code and message", async () => {
      const missing = await admin.orgs.get("no-such-org").catch((e) => e);
      assert.ok(missing instanceof IdgateError);
      assert.equal(missing.status, 404);
      assert.equal(missing.error, "not_found");
      const invalid = await admin.apps.create(SLUG, { client_id: "bad", redirect_uris: ["not a url"] }).catch((e) => e);
      assert.ok(invalid instanceof IdgateError);
      assert.equal(invalid.status, 400);
      const anonymous = await new IdgateAdmin({ baseUrl: idgate.baseUrl }).orgs.list().catch((e) => e);
      assert.equal(anonymous.status, 401);
    });
  });

  exampleTests(() => ({ idgate, newPage }));
});
