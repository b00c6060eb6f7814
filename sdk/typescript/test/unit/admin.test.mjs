// The admin client's wiring, from the generated operations, with a fake fetch; and the
// package's shape (ESM and CommonJS builds, nothing imported from outside dist/).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as sdk from "../../dist/esm/index.js";
import { operationsOf } from "../../scripts/openapi.mjs";
import { outsideImports } from "../../scripts/check-dist.mjs";
import { json } from "../support/fake-idgate.mjs";

const { ADMIN_OPERATIONS, IdgateAdmin, IdgateError, coveredOperations } = sdk;
const root = fileURLToPath(new URL("../..", import.meta.url));
const snapshot = JSON.parse(readFileSync(`${root}openapi/admin-openapi.json`, "utf8"));

function recorder(answer = () => json(200, { ok: true })) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: new URL(url), method: init.method, headers: init.headers, body: init.body });
    return answer();
  };
  return { calls, fetch };
}

function methodFor(admin, where) {
  const [first, second] = where.split(".");
  return second ? admin[first][second] : admin[first];
}

test("every operation of the OpenAPI snapshot has a method on IdgateAdmin", () => {
  const covered = coveredOperations();
  const missing = operationsOf(snapshot).filter((op) => !covered.has(op.name));
  assert.deepEqual(missing.map((op) => `${op.method} ${op.path}`), []);
});

test("the generated file is what the snapshot generates", () => {
  execFileSync(process.execPath, [`${root}scripts/generate.mjs`, "--check"], { cwd: root });
});

test("each method sends its operation's method and path, with the bearer token", async () => {
  const { calls, fetch } = recorder();
  const admin = new IdgateAdmin({ baseUrl: "https://id.test/", accessToken: "tok", fetch });
  for (const [name, where] of coveredOperations()) {
    const spec = ADMIN_OPERATIONS[name];
    const args = spec.pathParams.map((param) => `${param}-value/x`);
    if (spec.body !== "none") args.push({ some: "body" });
    await methodFor(admin, where)(...args);
    const call = calls.at(-1);
    const expectedPath = spec.pathParams.reduce(
      (path, param) => path.replace(`{${param}}`, encodeURIComponent(`${param}-value/x`)),
      spec.path,
    );
    assert.equal(call.method, spec.method, where);
    assert.equal(call.url.pathname, expectedPath, where);
    assert.equal(call.headers.authorization, "Bearer tok", where);
    assert.equal(call.body, spec.body === "none" ? undefined : '{"some":"body"}', where);
  }
});

test("query parameters are sent, except the undefined and null ones", async () => {
  const { calls, fetch } = recorder();
  const admin = new IdgateAdmin({ baseUrl: "https://id.test", accessToken: "tok", fetch });
  await admin.customers.list("shop", { q: "car", limit: 10, cursor: null });
  assert.equal(calls[0].url.search, "?q=car&limit=10");
});

test("getAccessToken is asked before every request", async () => {
  const { calls, fetch } = recorder();
  let n = 0;
  const admin = new IdgateAdmin({ baseUrl: "https://id.test", getAccessToken: async () => `t${++n}`, fetch });
  await admin.orgs.list();
  await admin.me();
  assert.deepEqual(calls.map((c) => c.headers.authorization), ["Bearer t1", "Bearer t2"]);
});

test("204 resolves to undefined; an error answer is an IdgateError with the API's fields", async () => {
  const ok = recorder(() => new Response(null, { status: 204 }));
  const admin = new IdgateAdmin({ baseUrl: "https://id.test", accessToken: "t", fetch: ok.fetch });
  assert.equal(await admin.apps.delete("shop", "web"), undefined);
  const refused = recorder(() =>
    json(400, { error: "invalid_request", error_description: "x", message: "bad", fields: ["redirect_uris.0"] }),
  );
  const failing = new IdgateAdmin({ baseUrl: "https://id.test", accessToken: "t", fetch: refused.fetch });
  const error = await failing.apps.create("shop", { client_id: "web" }).catch((e) => e);
  assert.ok(error instanceof IdgateError);
  assert.equal(error.status, 400);
  assert.deepEqual(error.fields, ["redirect_uris.0"]);
});

test("a missing path parameter or body is refused before any request", async () => {
  const { calls, fetch } = recorder();
  const admin = new IdgateAdmin({ baseUrl: "https://id.test", accessToken: "t", fetch });
  await assert.rejects(admin.orgs.get(""), TypeError);
  await assert.rejects(admin.orgs.create(), TypeError);
  assert.equal(calls.length, 0);
});

test("dist/ imports and requires nothing outside itself", () => {
  assert.deepEqual(outsideImports(), []);
});

test("the CommonJS build exports what the ESM build exports", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("../../dist/cjs/index.js");
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(sdk).sort());
  assert.equal(typeof cjs.IdgateAuth, "function");
});
