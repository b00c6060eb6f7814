/** Proof Key for Code Exchange (RFC 7636), S256 only (§4.2; idgate refuses `plain`). */

import { base64UrlEncode, randomToken, utf8, webCrypto } from "./encoding.js";

export interface Pkce {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: "S256";
}

/** A code verifier of 43 characters from 32 random bytes (§4.1: 43 to 128 characters of
 * the unreserved set, at least 256 bits of entropy recommended). */
export function createCodeVerifier(): string {
  return randomToken(32);
}

/** §4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`. */
export async function codeChallengeS256(codeVerifier: string): Promise<string> {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(codeVerifier)) {
    throw new Error("a code verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)");
  }
  const digest = await webCrypto().subtle.digest("SHA-256", utf8(codeVerifier));
  return base64UrlEncode(new Uint8Array(digest));
}

export async function createPkce(): Promise<Pkce> {
  const codeVerifier = createCodeVerifier();
  return {
    codeVerifier,
    codeChallenge: await codeChallengeS256(codeVerifier),
    codeChallengeMethod: "S256",
  };
}
