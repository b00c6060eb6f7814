// Test signing keys from node:crypto and a tiny JWS signer, to check the SDK's WebCrypto
// verification against an independent implementation.
import { createHash, createPrivateKey, generateKeyPairSync, sign } from "node:crypto";

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");

export function makeKey(alg, kid = `${alg}-key`) {
  const pair =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : alg === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("ed25519");
  const jwk = { ...pair.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" };
  return { alg, kid, privateKey: pair.privateKey, jwk };
}

export function signJwt(key, payload, header = {}) {
  const head = b64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }));
  const body = b64url(JSON.stringify(payload));
  const input = Buffer.from(`${head}.${body}`);
  const signature =
    key.alg === "RS256"
      ? sign("sha256", input, key.privateKey)
      : key.alg === "ES256"
        ? sign("sha256", input, { key: key.privateKey, dsaEncoding: "ieee-p1363" })
        : sign(null, input, key.privateKey);
  return `${head}.${body}.${b64url(signature)}`;
}

export function atHash(accessToken, alg) {
  const digest = createHash(alg === "EdDSA" ? "sha512" : "sha256").update(accessToken).digest();
  return b64url(digest.subarray(0, digest.length / 2));
}

export { createPrivateKey };
