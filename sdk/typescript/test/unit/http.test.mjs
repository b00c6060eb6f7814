// The retry policy and error kinds of one HTTP call, with a fake fetch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IdgateError, NetworkError, TimeoutError, parseRetryAfter, send } from "../../dist/esm/index.js";
import { json } from "../support/fake-idgate.mjs";

function scripted(...answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, method: init?.method ?? "GET" });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(init) : next;
  };
  return { fetch, calls };
}
const noSleep = (slept) => async (ms) => void slept.push(ms);

test("a 503 is retried after its Retry-After, for a POST too (idgate rolled it back)", async () => {
  const { fetch, calls } = scripted(
    json(503, { error: "temporarily_unavailable", error_description: "db" }, { "retry-after": "1" }),
    json(200, { ok: true }),
  );
  const slept = [];
  const response = await send({ method: "POST", url: "https://x/token", form: { a: "1" } }, { fetch, sleep: noSleep(slept) });
  assert.deepEqual(response.body, { ok: true });
  assert.equal(calls.length, 2);
  assert.deepEqual(slept, [1000]);
});

test("a 503 whose Retry-After is longer than the longest wait surfaces at once", async () => {
  const { fetch, calls } = scripted(json(503, { error: "temporarily_unavailable", error_description: "db" }, { "retry-after": "60" }));
  await assert.rejects(send({ url: "https://x/a" }, { fetch, sleep: noSleep([]) }), (e) => e instanceof IdgateError && e.retryAfter === 60);
  assert.equal(calls.length, 1);
});

test("retries stop after `retries` and back off exponentially without Retry-After", async () => {
  const busy = () => json(503, { error: "temporarily_unavailable", error_description: "db" });
  const { fetch, calls } = scripted(busy(), busy(), busy(), busy());
  const slept = [];
  await assert.rejects(send({ url: "https://x/a" }, { fetch, retries: 3, sleep: noSleep(slept) }), IdgateError);
  assert.equal(calls.length, 4);
  assert.deepEqual(slept, [250, 500, 1000]);
});

test("a network failure is retried for GET but not for POST (it may have been processed)", async () => {
  const get = scripted(new TypeError("fetch failed"), json(200, {}));
  await send({ url: "https://x/a" }, { fetch: get.fetch, sleep: noSleep([]) });
  assert.equal(get.calls.length, 2);
  const post = scripted(new TypeError("fetch failed"), json(200, {}));
  await assert.rejects(send({ method: "POST", url: "https://x/a" }, { fetch: post.fetch, sleep: noSleep([]) }), NetworkError);
  assert.equal(post.calls.length, 1);
});

test("no answer within timeoutMs is a TimeoutError, distinct from a NetworkError", async () => {
  const hanging = (_url, init) =>
    new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
  const error = await send({ method: "POST", url: "https://x/slow" }, { fetch: hanging, timeoutMs: 20 }).catch((e) => e);
  assert.ok(error instanceof TimeoutError, String(error));
  assert.ok(!(error instanceof NetworkError));
  assert.equal(error.timeoutMs, 20);
});

test("4xx and 429 are not retried; the error carries status, code, message and fields", async () => {
  const { fetch, calls } = scripted(
    json(400, { error: "invalid_request", error_description: "bad", message: "bad slug", fields: ["organization.slug"] }),
  );
  const error = await send({ method: "POST", url: "https://x/api" }, { fetch }).catch((e) => e);
  assert.ok(error instanceof IdgateError);
  assert.equal(error.status, 400);
  assert.equal(error.error, "invalid_request");
  assert.equal(error.message, "bad slug");
  assert.deepEqual(error.fields, ["organization.slug"]);
  assert.equal(calls.length, 1);
  const limited = scripted(json(429, { error: "slow_down", error_description: "x" }, { "retry-after": "2" }));
  const tooMany = await send({ url: "https://x/a" }, { fetch: limited.fetch }).catch((e) => e);
  assert.equal(tooMany.status, 429);
  assert.equal(tooMany.retryAfter, 2);
  assert.equal(limited.calls.length, 1);
});

test("an error answer that is not JSON still becomes an IdgateError", async () => {
  const { fetch } = scripted(new Response("Bad Gateway", { status: 502 }));
  const error = await send({ url: "https://x/a" }, { fetch }).catch((e) => e);
  assert.equal(error.status, 502);
  assert.equal(error.error, "http_502");
});

test("Retry-After is delta-seconds or an HTTP date", () => {
  assert.equal(parseRetryAfter("7"), 7);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
});
