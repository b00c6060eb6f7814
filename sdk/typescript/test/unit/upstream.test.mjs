import assert from "node:assert/strict";
import { test } from "node:test";
import { IdgateError, fetchUserinfo, getUpstreamToken } from "../../dist/esm/index.js";
import { FakeIdgate, ISSUER, json } from "../support/fake-idgate.mjs";

test("getUpstreamToken sends the customer's token and maps the answer to camelCase", async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, authorization: init.headers.authorization });
    return json(200, {
      connection: "github", provider: "github", access_token: "gho_x", token_type: "Bearer",
      expires_at: 1_900_000_000, scope: "read:user",
    });
  };
  const token = await getUpstreamToken({ issuer: `${ISSUER}/`, connectionId: "github", accessToken: "at", fetch });
  assert.deepEqual(calls, [{ url: `${ISSUER}/upstream/github/token`, authorization: "Bearer at" }]);
  assert.deepEqual(token, {
    connection: "github", provider: "github", accessToken: "gho_x", tokenType: "Bearer",
    expiresAt: 1_900_000_000, scope: "read:user",
  });
});

test("an account that is not linked is an IdgateError 404 not_linked", async () => {
  const fetch = async () => json(404, { error: "not_linked", error_description: "no github account" });
  const error = await getUpstreamToken({ issuer: ISSUER, connectionId: "github", accessToken: "at", fetch }).catch((e) => e);
  assert.ok(error instanceof IdgateError);
  assert.equal(error.status, 404);
  assert.equal(error.error, "not_linked");
});

test("fetchUserinfo finds the endpoint through discovery", async () => {
  const idgate = new FakeIdgate();
  const info = await fetchUserinfo({ issuer: ISSUER, accessToken: "at", fetch: idgate.fetch });
  assert.equal(info.sub, "user-1");
  assert.equal(idgate.calls.at(-1).headers.authorization, "Bearer at");
});
