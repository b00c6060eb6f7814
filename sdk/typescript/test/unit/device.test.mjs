// The device flow's polling (RFC 8628 §3.4–3.5) with an in-process stand-in and no real waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AccessDeniedError, ExpiredTokenError, IdgateError, deviceSignIn } from "../../dist/esm/index.js";
import { FakeIdgate, ISSUER } from "../support/fake-idgate.mjs";

function run(answers, extra = {}) {
  let now = 1_900_000_000_000;
  const idgate = new FakeIdgate({ now: () => now });
  idgate.deviceAnswers.push(...answers);
  const slept = [];
  const codes = [];
  const promise = deviceSignIn({
    issuer: ISSUER, clientId: "tv", scope: "openid profile offline_access",
    fetch: idgate.fetch, now: () => now,
    sleep: async (ms) => { slept.push(ms); now += ms; },
    onUserCode: (code) => void codes.push(code),
    ...extra,
  });
  return { promise, slept, codes, idgate };
}

test("it shows the user code, waits `interval` between polls and returns the session", async () => {
  const { promise, slept, codes } = run(["pending", "pending", "ok"]);
  const session = await promise;
  assert.equal(codes[0].userCode, "ABCD-EFGH");
  assert.equal(codes[0].verificationUriComplete, `${ISSUER}/device?user_code=ABCD-EFGH`);
  assert.deepEqual(slept, [5000, 5000, 5000]);
  assert.equal(session.claims.sub, "device-user");
  assert.ok(session.refreshToken);
});

test("slow_down adds 5 s to the interval, for every later poll", async () => {
  const { promise, slept } = run(["pending", "slow_down", "pending", "slow_down", "ok"]);
  await promise;
  assert.deepEqual(slept, [5000, 5000, 10000, 10000, 15000]);
});

test("access_denied is an AccessDeniedError", async () => {
  const { promise } = run(["pending", "denied"]);
  const error = await promise.catch((e) => e);
  assert.ok(error instanceof AccessDeniedError && error instanceof IdgateError);
  assert.equal(error.error, "access_denied");
});

test("expired_token is an ExpiredTokenError", async () => {
  const { promise } = run(["expired"]);
  await assert.rejects(promise, ExpiredTokenError);
});

test("polling stops with ExpiredTokenError once expires_in has passed without an answer", async () => {
  const { promise, slept } = run(Array(200).fill("pending"));
  await assert.rejects(promise, ExpiredTokenError);
  assert.equal(slept.length, 120); // 600 s / 5 s
});

test("an abort signal stops the polling", async () => {
  const controller = new AbortController();
  const { promise } = run(Array(5).fill("pending"), {
    signal: controller.signal,
    onUserCode: () => controller.abort(new Error("user cancelled")),
  });
  await assert.rejects(promise, /user cancelled/);
});
