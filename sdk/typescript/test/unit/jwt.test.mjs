// ID token validation with WebCrypto, against tokens signed by node:crypto keys.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ValidationError, tokenHalfHash, validateIdToken, verifyJws } from "../../dist/esm/index.js";
import { atHash, makeKey, signJwt } from "../support/keys.mjs";

const ISSUER = "https://id.test/t/shop";
const NOW = 1_900_000_000;
const claims = (extra = {}) => ({
  iss: ISSUER, sub: "user-1", aud: "spa", azp: "spa", iat: NOW, exp: NOW + 3600, nonce: "n-1", ...extra,
});
const checks = (extra = {}) => ({ issuer: ISSUER, clientId: "spa", nonce: "n-1", now: NOW, ...extra });
const KEYS = Object.fromEntries(["RS256", "ES256", "EdDSA"].map((alg) => [alg, makeKey(alg)]));
const jwks = Object.values(KEYS).map((key) => key.jwk);

const rejects = (promise, reason) =>
  assert.rejects(promise, (error) => error instanceof ValidationError && error.reason === reason);

for (const alg of ["RS256", "ES256", "EdDSA"]) {
  describe(`${alg}`, () => {
    test("a token signed by a JWKS key validates and yields its claims", async () => {
      const token = signJwt(KEYS[alg], claims());
      const result = await validateIdToken(token, jwks, checks());
      assert.equal(result.sub, "user-1");
    });

    test("a changed payload does not verify", async () => {
      const [head, , sig] = signJwt(KEYS[alg], claims()).split(".");
      const forged = Buffer.from(JSON.stringify(claims({ sub: "admin" }))).toString("base64url");
      await rejects(validateIdToken(`${head}.${forged}.${sig}`, jwks, checks()), "id_token_signature");
    });

    test("a token signed by a key not in the JWKS does not verify", async () => {
      const stranger = makeKey(alg, KEYS[alg].kid); // same kid, other key
      await rejects(validateIdToken(signJwt(stranger, claims()), jwks, checks()), "id_token_signature");
    });

    test("at_hash is the left half of the access token's hash (SHA-512 for EdDSA)", async () => {
      assert.equal(await tokenHalfHash("access-token", alg), atHash("access-token", alg));
      const token = signJwt(KEYS[alg], claims({ at_hash: atHash("access-token", alg) }));
      await validateIdToken(token, jwks, checks({ accessToken: "access-token" }));
      await rejects(validateIdToken(token, jwks, checks({ accessToken: "another" })), "id_token_claims");
    });
  });
}

test("alg none and algorithms outside the allowed list are refused", async () => {
  const body = Buffer.from(JSON.stringify(claims())).toString("base64url");
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${body}.`;
  await rejects(validateIdToken(none, jwks, checks()), "id_token_signature");
  const rs = signJwt(KEYS.RS256, claims());
  await rejects(validateIdToken(rs, jwks, checks({ allowedAlgorithms: ["ES256"] })), "id_token_signature");
});

test("a key published for another algorithm is not used", async () => {
  const token = signJwt(KEYS.RS256, claims());
  const relabelled = [{ ...KEYS.RS256.jwk, alg: "RS512" }];
  await rejects(validateIdToken(token, relabelled, checks()), "id_token_signature");
});

test("an unknown kid makes the key source fetch a fresh JWKS once", async () => {
  const rotated = makeKey("RS256", "new-kid");
  const asked = [];
  const source = async (refresh) => {
    asked.push(refresh);
    return refresh ? [KEYS.RS256.jwk, rotated.jwk] : [KEYS.RS256.jwk];
  };
  await verifyJws(signJwt(rotated, claims()), source);
  assert.deepEqual(asked, [false, true]);
});

test("a JWT typed as an access token is not an ID token", async () => {
  const token = signJwt(KEYS.ES256, claims(), { typ: "at+jwt" });
  await rejects(validateIdToken(token, jwks, checks()), "id_token_invalid");
});

describe("claims (OIDC Core §3.1.3.7)", () => {
  const key = KEYS.RS256;
  const check = (extra, options = {}) => validateIdToken(signJwt(key, claims(extra)), jwks, checks(options));

  test("iss must be the issuer", () => rejects(check({ iss: "https://evil.test/t/shop" }), "id_token_claims"));
  test("aud must include the client", () => rejects(check({ aud: "other", azp: undefined }), "id_token_claims"));
  test("aud may be a list that includes the client, with azp", async () => {
    await check({ aud: ["spa", "api"], azp: "spa" });
    await rejects(check({ aud: ["spa", "api"], azp: undefined }), "id_token_claims");
  });
  test("azp, when present, must be the client", () => rejects(check({ azp: "other" }), "id_token_claims"));
  test("an expired token is refused past the leeway", async () => {
    await check({ exp: NOW - 30 }); // within the default 60 s of leeway
    await rejects(check({ exp: NOW - 61 }), "id_token_claims");
    await rejects(check({ exp: NOW - 30 }, { leewaySeconds: 0 }), "id_token_claims");
  });
  test("a token issued in the future is refused", () => rejects(check({ iat: NOW + 120 }), "id_token_claims"));
  test("exp and iat are required", async () => {
    await rejects(check({ exp: undefined }), "id_token_claims");
    await rejects(check({ iat: undefined }), "id_token_claims");
  });
  test("nonce must match the one sent", async () => {
    await rejects(check({ nonce: "other" }), "id_token_claims");
    await rejects(check({ nonce: undefined }), "id_token_claims");
    await check({ nonce: undefined }, { nonce: null }); // refresh and device flow send none
  });
  test("a malformed token is refused before any key is looked at", async () => {
    await rejects(validateIdToken("a.b", jwks, checks()), "id_token_invalid");
    await rejects(validateIdToken("!!.??.xx", jwks, checks()), "id_token_invalid");
  });
});
