/** One issuer as a client sees it: its metadata and JWKS (both cached), the token
 * endpoint (RFC 6749 §5) and the session a token response makes. */

import { discover, normalizeIssuer, type ProviderMetadata } from "./discovery.js";
import { ValidationError } from "./errors.js";
import { jsonObject, send, type HttpOptions } from "./http.js";
import { validateIdToken, type IdTokenClaims, type Jwk } from "./jwt.js";

/** A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/** What a sign-in leaves: the tokens, when the access token expires, and the ID token's
 * validated claims. */
export interface Session {
  accessToken: string;
  tokenType: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
  refreshToken?: string;
  idToken?: string;
  scope?: string;
  claims?: IdTokenClaims;
}

export interface ClockOptions {
  /** The current time in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Allowed clock skew for ID token times, in seconds (default 60). */
  leewaySeconds?: number;
}

/** Refetch the JWKS for an unknown `kid` at most this often. */
const JWKS_REFRESH_MS = 30_000;

export class ProviderClient {
  readonly issuer: string;
  private metadataPromise: Promise<ProviderMetadata> | undefined;
  private jwks: { keys: readonly Jwk[]; fetchedAt: number } | undefined;

  constructor(
    issuer: string,
    readonly http: HttpOptions,
    readonly clock: Required<ClockOptions>,
  ) {
    this.issuer = normalizeIssuer(issuer);
  }

  metadata(): Promise<ProviderMetadata> {
    if (!this.metadataPromise) {
      this.metadataPromise = discover(this.issuer, this.http);
      this.metadataPromise.catch(() => {
        this.metadataPromise = undefined; // try again next time
      });
    }
    return this.metadataPromise;
  }

  async endpoint(name: keyof ProviderMetadata & `${string}_endpoint`): Promise<string> {
    const url = (await this.metadata())[name];
    if (typeof url !== "string") {
      throw new ValidationError("malformed_response", `the provider has no ${name}`);
    }
    return url;
  }

  /** The JWKS, refetched on request (for an unknown `kid`) when the copy is not fresh. */
  readonly keys = async (refresh: boolean): Promise<readonly Jwk[]> => {
    const now = this.clock.now();
    if (this.jwks && !(refresh && now - this.jwks.fetchedAt > JWKS_REFRESH_MS)) {
      return this.jwks.keys;
    }
    const { jwks_uri } = await this.metadata();
    const body = jsonObject(await send({ url: jwks_uri }, this.http), "jwks");
    if (!Array.isArray(body.keys)) throw new ValidationError("malformed_response", "the JWKS has no keys");
    this.jwks = { keys: body.keys as Jwk[], fetchedAt: now };
    return this.jwks.keys;
  };

  /** POST to the token endpoint; an error answer is thrown as an IdgateError. */
  async token(form: Record<string, string | undefined>, signal?: AbortSignal): Promise<TokenResponse> {
    const url = await this.endpoint("token_endpoint");
    const response = await send({ method: "POST", url, form, ...(signal ? { signal } : {}) }, this.http);
    const body = jsonObject(response, "token response");
    if (typeof body.access_token !== "string" || typeof body.token_type !== "string") {
      throw new ValidationError("malformed_response", "the token response has no access_token");
    }
    return body as unknown as TokenResponse;
  }

  /** The session a token response makes, its ID token validated (signature, iss, aud,
   * exp, iat, at_hash, and `nonce` when one was sent). */
  async session(
    response: TokenResponse,
    clientId: string,
    nonce: string | null,
    previous?: Session,
  ): Promise<Session> {
    const now = this.clock.now();
    const session: Session = {
      accessToken: response.access_token,
      tokenType: response.token_type,
      expiresAt: now + (response.expires_in ?? 300) * 1000,
    };
    const refreshToken = response.refresh_token ?? previous?.refreshToken;
    if (refreshToken !== undefined) session.refreshToken = refreshToken;
    const scope = response.scope ?? previous?.scope;
    if (scope !== undefined) session.scope = scope;
    if (response.id_token !== undefined) {
      const metadata = await this.metadata();
      const claims = await validateIdToken(response.id_token, this.keys, {
        issuer: this.issuer,
        clientId,
        nonce,
        now: Math.floor(now / 1000),
        leewaySeconds: this.clock.leewaySeconds,
        accessToken: response.access_token,
        allowedAlgorithms: metadata.id_token_signing_alg_values_supported,
      });
      // OIDC Core §12.2: a refreshed ID token is about the same person.
      if (previous?.claims && claims.sub !== previous.claims.sub) {
        throw new ValidationError("id_token_claims", "the refreshed ID token has another sub");
      }
      session.idToken = response.id_token;
      session.claims = claims;
    } else if (previous?.idToken !== undefined) {
      session.idToken = previous.idToken;
      if (previous.claims) session.claims = previous.claims;
    }
    return session;
  }
}

export function resolveClock(options: ClockOptions): Required<ClockOptions> {
  return { now: options.now ?? (() => Date.now()), leewaySeconds: options.leewaySeconds ?? 60 };
}
