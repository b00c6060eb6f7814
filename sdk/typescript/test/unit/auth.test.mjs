// IdgateAuth against an in-process stand-in: the callback's checks and the refresh logic.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  IdgateAuth,
  IdgateError,
  MemoryStorage,
  NotSignedInError,
  ValidationError,
  codeChallengeS256,
} from "../../dist/esm/index.js";
import { FakeIdgate, ISSUER } from "../support/fake-idgate.mjs";

function setup(fakeOptions = {}) {
  let now = 1_900_000_000_000;
  const clock = { now: () => now, advance: (ms) => (now += ms) };
  const idgate = new FakeIdgate({ now: clock.now, ...fakeOptions });
  const storage = new MemoryStorage();
  const auth = new IdgateAuth({
    issuer: ISSUER, clientId: "spa", redirectUri: "https://app.test/cb",
    fetch: idgate.fetch, storage, now: clock.now,
  });
  return { idgate, auth, clock, storage };
}

const reason = (r) => (error) => error instanceof ValidationError && error.reason === r;

describe("signInUrl and handleCallback", () => {
  test("the sign-in URL carries PKCE S256, state, nonce and the client's parameters", async () => {
    const { auth, storage } = setup();
    const url = new URL(await auth.signInUrl({ prompt: "login", loginHint: "carol@example.com" }));
    const p = url.searchParams;
    assert.equal(url.origin + url.pathname, `${ISSUER}/authorize`);
    assert.equal(p.get("response_type"), "code");
    assert.equal(p.get("client_id"), "spa");
    assert.equal(p.get("redirect_uri"), "https://app.test/cb");
    assert.equal(p.get("scope"), "openid profile email offline_access");
    assert.equal(p.get("code_challenge_method"), "S256");
    assert.equal(p.get("prompt"), "login");
    assert.equal(p.get("login_hint"), "carol@example.com");
    assert.match(p.get("state"), /^[\w-]{43}$/);
    assert.match(p.get("nonce"), /^[\w-]{43}$/);
    const pending = JSON.parse(storage.get(`idgate:${ISSUER}:spa:pending`))[p.get("state")];
    assert.equal(pending.nonce, p.get("nonce"));
    assert.equal(await codeChallengeS256(pending.codeVerifier), p.get("code_challenge"));
  });

  test("the callback exchanges the code, validates the ID token and stores the session", async () => {
    const { auth, idgate } = setup();
    const changes = [];
    auth.onChange((session) => changes.push(session));
    const session = await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
    assert.equal(session.claims.sub, "user-1");
    assert.equal(session.claims.iss, ISSUER);
    assert.ok(session.refreshToken);
    assert.deepEqual(await auth.getSession(), session);
    assert.deepEqual(changes, [session]);
  });

  test("state is single use: a replayed callback is refused", async () => {
    const { auth, idgate } = setup();
    const callback = idgate.authorize(await auth.signInUrl());
    await auth.handleCallback(callback);
    await assert.rejects(auth.handleCallback(callback), reason("state_mismatch"));
  });

  test("a callback whose state no sign-in here started is refused before any token request", async () => {
    const { auth, idgate } = setup();
    const callback = idgate.authorize(await auth.signInUrl(), { overrides: { state: "forged" } });
    await assert.rejects(auth.handleCallback(callback), reason("state_mismatch"));
    assert.equal(idgate.count("/token"), 0);
  });

  test("RFC 9207: an iss other than the issuer is refused", async () => {
    const { auth, idgate } = setup();
    const callback = idgate.authorize(await auth.signInUrl(), { overrides: { iss: "https://evil.test/t/shop" } });
    await assert.rejects(auth.handleCallback(callback), reason("iss_mismatch"));
    assert.equal(idgate.count("/token"), 0);
  });

  test("RFC 9207: a missing iss is refused when discovery advertises the parameter", async () => {
    const { auth, idgate } = setup();
    const callback = idgate.authorize(await auth.signInUrl(), { overrides: { iss: null } });
    await assert.rejects(auth.handleCallback(callback), reason("iss_mismatch"));
  });

  test("RFC 9207: a missing iss is accepted from a provider that does not advertise it", async () => {
    const { auth, idgate } = setup({ issParameter: false });
    const session = await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
    assert.equal(session.claims.sub, "user-1");
  });

  test("an error response becomes an IdgateError with status 0 and the code", async () => {
    const { auth, idgate } = setup();
    const callback = idgate.authorize(await auth.signInUrl(), {
      overrides: { code: null, error: "access_denied", error_description: "the user said no" },
    });
    const error = await auth.handleCallback(callback).catch((e) => e);
    assert.ok(error instanceof IdgateError);
    assert.equal(error.status, 0);
    assert.equal(error.error, "access_denied");
    assert.equal(error.message, "the user said no");
  });

  test("a pending sign-in older than ten minutes is gone", async () => {
    const { auth, idgate, clock } = setup();
    const callback = idgate.authorize(await auth.signInUrl());
    clock.advance(11 * 60_000);
    await assert.rejects(auth.handleCallback(callback), reason("state_mismatch"));
  });
});

describe("getAccessToken", () => {
  async function signedIn() {
    const context = setup();
    await context.auth.handleCallback(context.idgate.authorize(await context.auth.signInUrl()));
    return context;
  }

  test("with 30 s or more left, the stored access token is returned without a request", async () => {
    const { auth, idgate, clock } = await signedIn();
    const session = await auth.getSession();
    clock.advance(300_000 - 30_000);
    assert.equal(await auth.getAccessToken(), session.accessToken);
    assert.equal(idgate.count("/token"), 1);
  });

  test("with fewer than 30 s left, it refreshes, and the refresh token rotates", async () => {
    const { auth, idgate, clock } = await signedIn();
    const before = await auth.getSession();
    clock.advance(300_000 - 29_000);
    const token = await auth.getAccessToken();
    const after = await auth.getSession();
    assert.notEqual(token, before.accessToken);
    assert.equal(token, after.accessToken);
    assert.notEqual(after.refreshToken, before.refreshToken);
    assert.equal(after.claims.sub, before.claims.sub);
    assert.equal(idgate.count("/token"), 2);
  });

  test("however many callers ask at once, one refresh is in flight", async () => {
    const { auth, idgate, clock } = await signedIn();
    clock.advance(290_000);
    const tokens = await Promise.all(Array.from({ length: 8 }, () => auth.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(idgate.count("/token"), 2); // the code exchange and one refresh
    clock.advance(290_000);
    await auth.getAccessToken(); // the next refresh is a new one
    assert.equal(idgate.count("/token"), 3);
  });

  test("a refused refresh token ends the session: NotSignedInError and onChange(null)", async () => {
    const { auth, idgate, clock } = await signedIn();
    const changes = [];
    auth.onChange((session) => changes.push(session));
    idgate.tokenErrors.push("invalid_grant");
    clock.advance(290_000);
    await assert.rejects(auth.getAccessToken(), NotSignedInError);
    assert.equal(await auth.getSession(), null);
    assert.deepEqual(changes, [null]);
  });

  test("a refresh that fails for another reason keeps the session for a later try", async () => {
    const { auth, idgate, clock } = await signedIn();
    idgate.tokenErrors.push("server_error");
    clock.advance(290_000);
    await assert.rejects(auth.getAccessToken(), (e) => e instanceof IdgateError && e.error === "server_error");
    assert.ok(await auth.isSignedIn());
    assert.ok(await auth.getAccessToken());
  });

  test("without a session it throws NotSignedInError", async () => {
    const { auth } = setup();
    await assert.rejects(auth.getAccessToken(), NotSignedInError);
  });
});

describe("userinfo, sign-out and revocation", () => {
  test("userinfo sends the access token as a bearer token", async () => {
    const { auth, idgate } = setup();
    const session = await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
    const info = await auth.userinfo();
    assert.equal(info.sub, "user-1");
    const call = idgate.calls.find((c) => c.path.endsWith("/userinfo"));
    assert.equal(call.headers.authorization, `Bearer ${session.accessToken}`);
  });

  test("signOutUrl carries the ID token hint, client and post-logout redirect", async () => {
    const { auth, idgate } = setup();
    const session = await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
    const url = new URL(await auth.signOutUrl({ postLogoutRedirectUri: "https://app.test/bye", state: "s" }));
    assert.equal(url.origin + url.pathname, `${ISSUER}/logout`);
    assert.equal(url.searchParams.get("id_token_hint"), session.idToken);
    assert.equal(url.searchParams.get("client_id"), "spa");
    assert.equal(url.searchParams.get("post_logout_redirect_uri"), "https://app.test/bye");
    assert.equal(url.searchParams.get("state"), "s");
  });

  test("revoke revokes the refresh token, forgets the session and tells the listeners", async () => {
    const { auth, idgate } = setup();
    const session = await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
    const changes = [];
    const unsubscribe = auth.onChange((s) => changes.push(s));
    await auth.revoke();
    const call = idgate.calls.find((c) => c.path.endsWith("/revoke"));
    assert.deepEqual(call.form, { token: session.refreshToken, token_type_hint: "refresh_token", client_id: "spa" });
    assert.equal(await auth.getSession(), null);
    assert.deepEqual(changes, [null]);
    unsubscribe();
  });
});
