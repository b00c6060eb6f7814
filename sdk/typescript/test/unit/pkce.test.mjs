import assert from "node:assert/strict";
import { test } from "node:test";
import { codeChallengeS256, createCodeVerifier, createPkce } from "../../dist/esm/index.js";

test("the S256 challenge of RFC 7636 appendix B's verifier is the RFC's", async () => {
  const challenge = await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  assert.equal(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});

test("a code verifier is 43 unreserved characters (256 bits) and never repeats", () => {
  const verifiers = new Set(Array.from({ length: 50 }, () => createCodeVerifier()));
  assert.equal(verifiers.size, 50);
  for (const verifier of verifiers) assert.match(verifier, /^[A-Za-z0-9\-._~]{43}$/);
});

test("a verifier outside RFC 7636 §4.1's alphabet or length is refused", async () => {
  await assert.rejects(codeChallengeS256("short"), /43 to 128/);
  await assert.rejects(codeChallengeS256("a".repeat(42) + "!"), /43 to 128/);
  await assert.rejects(codeChallengeS256("a".repeat(129)), /43 to 128/);
});

test("createPkce pairs a verifier with its S256 challenge", async () => {
  const pkce = await createPkce();
  assert.equal(pkce.codeChallengeMethod, "S256");
  assert.equal(pkce.codeChallenge, await codeChallengeS256(pkce.codeVerifier));
});
