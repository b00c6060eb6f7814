/**
 * JWS verification (RFC 7515 §5.2) with WebCrypto and ID token validation (OIDC Core
 * §3.1.3.7). Algorithms: RS256 (RSASSA-PKCS1-v1_5 with SHA-256), ES256 (ECDSA P-256 with
 * SHA-256; the JWS signature is the raw r‖s WebCrypto expects, RFC 7518 §3.4) and EdDSA
 * (Ed25519, RFC 8037). `none` and anything else are refused.
 */

import { base64UrlDecode, base64UrlEncode, fromUtf8, utf8, webCrypto } from "./encoding.js";
import { ValidationError } from "./errors.js";

export type JwsAlgorithm = "RS256" | "ES256" | "EdDSA";
export const SUPPORTED_ALGORITHMS: readonly JwsAlgorithm[] = ["RS256", "ES256", "EdDSA"];

/** A public JSON Web Key (RFC 7517) as a JWKS lists it. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  [other: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

export interface JoseHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [other: string]: unknown;
}

/** The claims of an idgate ID token (OIDC Core §2, §5.1). */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  azp?: string;
  nonce?: string;
  auth_time?: number;
  at_hash?: string;
  sid?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  [other: string]: unknown;
}

export interface DecodedJwt {
  header: JoseHeader;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Uint8Array<ArrayBuffer>;
}

/** Split and decode a compact JWS without verifying it. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new ValidationError("id_token_invalid", "not a compact JWS");
  const [head, body, signature] = parts as [string, string, string];
  try {
    const header = JSON.parse(fromUtf8(base64UrlDecode(head))) as unknown;
    const payload = JSON.parse(fromUtf8(base64UrlDecode(body))) as unknown;
    if (!isObject(header) || typeof header.alg !== "string" || !isObject(payload)) {
      throw new Error("not JSON objects");
    }
    return {
      header: header as JoseHeader,
      payload,
      signingInput: `${head}.${body}`,
      signature: base64UrlDecode(signature),
    };
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw new ValidationError("id_token_invalid", "the JWT's header or payload is malformed");
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const KEY_TYPES: Record<JwsAlgorithm, { kty: string; crv?: string }> = {
  RS256: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
};

function isSupported(alg: string): alg is JwsAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg);
}

/** The key's public members only: WebCrypto refuses a JWK whose `alg`, `use` or
 * `key_ops` disagree with the import, and none of them adds anything here. */
function publicJwk(jwk: Jwk, alg: JwsAlgorithm): JsonWebKey {
  switch (alg) {
    case "RS256":
      return { kty: "RSA", n: jwk.n, e: jwk.e };
    case "ES256":
      return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
    case "EdDSA":
      return { kty: "OKP", crv: "Ed25519", x: jwk.x };
  }
}

async function verifyWith(
  jwk: Jwk,
  alg: JwsAlgorithm,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const subtle = webCrypto().subtle;
  const jwkData = publicJwk(jwk, alg);
  switch (alg) {
    case "RS256": {
      const params = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
      const key = await subtle.importKey("jwk", jwkData, params, false, ["verify"]);
      return subtle.verify(params, key, signature, data);
    }
    case "ES256": {
      if (signature.length !== 64) return false;
      const key = await subtle.importKey(
        "jwk", jwkData, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"],
      );
      return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
    }
    case "EdDSA": {
      const key = await subtle.importKey("jwk", jwkData, { name: "Ed25519" }, false, ["verify"]);
      return subtle.verify({ name: "Ed25519" }, key, signature, data);
    }
  }
}

/** The keys that may have signed a token with this header: the one named by `kid` (when
 * the header has one), of the algorithm's key type, not marked for another algorithm or
 * for encryption. */
export function candidateKeys(keys: readonly Jwk[], header: JoseHeader): Jwk[] {
  if (!isSupported(header.alg)) return [];
  const wanted = KEY_TYPES[header.alg];
  return keys.filter(
    (key) =>
      key.kty === wanted.kty &&
      (wanted.crv === undefined || key.crv === wanted.crv) &&
      (header.kid === undefined || key.kid === header.kid) &&
      (key.alg === undefined || key.alg === header.alg) &&
      (key.use === undefined || key.use === "sig"),
  );
}

/** Where verification finds keys: `refresh` asks for a fresh copy (after a rotation the
 * cached JWKS may not have the new `kid` yet). */
export type KeySource = (refresh: boolean) => Promise<readonly Jwk[]>;

/** Verify the JWS signature of `token` with one of the keys; returns the decoded token. */
export async function verifyJws(
  token: string,
  keys: readonly Jwk[] | KeySource,
  allowedAlgorithms: readonly string[] = SUPPORTED_ALGORITHMS,
): Promise<DecodedJwt> {
  const decoded = decodeJwt(token);
  const { alg } = decoded.header;
  if (!isSupported(alg) || !allowedAlgorithms.includes(alg)) {
    throw new ValidationError("id_token_signature", `the token's algorithm ${alg} is not accepted`);
  }
  const source: KeySource = typeof keys === "function" ? keys : async () => keys;
  let candidates = candidateKeys(await source(false), decoded.header);
  if (candidates.length === 0 && typeof keys === "function") {
    candidates = candidateKeys(await source(true), decoded.header);
  }
  if (candidates.length === 0) {
    throw new ValidationError("id_token_signature", "no key of the JWKS matches the token's kid and alg");
  }
  const data = utf8(decoded.signingInput);
  for (const key of candidates) {
    let valid = false;
    try {
      valid = await verifyWith(key, alg, data, decoded.signature);
    } catch {
      valid = false; // a malformed key is not this token's key
    }
    if (valid) return decoded;
  }
  throw new ValidationError("id_token_signature", "the token's signature does not verify");
}

export interface IdTokenChecks {
  issuer: string;
  clientId: string;
  /** The nonce sent in the authorization request; `null` when none was sent (refresh,
   * device flow), and then a nonce in the token is not checked. */
  nonce: string | null;
  /** Seconds since the epoch. */
  now: number;
  /** Allowed clock skew in seconds (default 60). */
  leewaySeconds?: number;
  /** The access token issued with it, to check `at_hash` when the token has one. */
  accessToken?: string;
}

/** §3.1.3.7 items 2–3, 9–11 (and §3.1.3.8's `at_hash`) on verified claims. */
export async function checkIdTokenClaims(
  claims: Record<string, unknown>,
  alg: string,
  checks: IdTokenChecks,
): Promise<IdTokenClaims> {
  const leeway = checks.leewaySeconds ?? 60;
  const fail = (message: string): never => {
    throw new ValidationError("id_token_claims", message);
  };
  if (claims.iss !== checks.issuer) fail(`iss is ${String(claims.iss)}, not ${checks.issuer}`);
  if (typeof claims.sub !== "string" || claims.sub === "") fail("sub is missing");
  const aud = claims.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(checks.clientId)) fail(`aud does not include ${checks.clientId}`);
  if (claims.azp !== undefined && claims.azp !== checks.clientId) fail("azp is another client");
  if (audiences.length > 1 && claims.azp === undefined) fail("several audiences and no azp");
  if (typeof claims.exp !== "number") fail("exp is missing");
  if (typeof claims.iat !== "number") fail("iat is missing");
  if (checks.now >= (claims.exp as number) + leeway) fail("the ID token has expired");
  if ((claims.iat as number) > checks.now + leeway) fail("the ID token was issued in the future");
  if (checks.nonce !== null && claims.nonce !== checks.nonce) fail("nonce does not match");
  if (typeof claims.at_hash === "string" && checks.accessToken !== undefined) {
    const expected = await tokenHalfHash(checks.accessToken, alg);
    if (claims.at_hash !== expected) fail("at_hash does not match the access token");
  }
  return claims as IdTokenClaims;
}

/** §3.1.3.8: the left half of the hash of the token, SHA-512 for EdDSA (Ed25519). */
export async function tokenHalfHash(token: string, alg: string): Promise<string> {
  const hash = alg === "EdDSA" ? "SHA-512" : "SHA-256";
  const digest = new Uint8Array(await webCrypto().subtle.digest(hash, utf8(token)));
  return base64UrlEncode(digest.subarray(0, digest.length / 2));
}

/** Verify the signature through `keys`, then the claims. */
export async function validateIdToken(
  token: string,
  keys: readonly Jwk[] | KeySource,
  checks: IdTokenChecks & { allowedAlgorithms?: readonly string[] },
): Promise<IdTokenClaims> {
  const decoded = await verifyJws(token, keys, checks.allowedAlgorithms);
  const typ = decoded.header.typ;
  if (typ !== undefined && String(typ).toUpperCase() !== "JWT") {
    throw new ValidationError("id_token_invalid", `a token of type ${String(typ)} is not an ID token`);
  }
  return checkIdTokenClaims(decoded.payload, decoded.header.alg, checks);
}
