/** base64url (RFC 4648 §5, no padding) and random values, with the platform's own
 * primitives only (`btoa`/`atob`, `crypto.getRandomValues`), so the same code runs in
 * browsers and in Node 20+. */

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
}

export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

export function webCrypto(): Crypto {
  const found = (globalThis as { crypto?: Crypto }).crypto;
  if (!found?.subtle || typeof found.getRandomValues !== "function") {
    throw new Error("WebCrypto (globalThis.crypto.subtle) is not available");
  }
  return found;
}

/** `bytes` random bytes as base64url (32 bytes: 43 characters, 256 bits). */
export function randomToken(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  webCrypto().getRandomValues(buffer);
  return base64UrlEncode(buffer);
}
