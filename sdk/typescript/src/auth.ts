/**
 * Sign-in for browser applications (public clients): the OpenID Connect authorization
 * code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636), `state` and `nonce`, RFC 9207's
 * `iss` check, refresh with rotation (RFC 6749 §6), userinfo (OIDC Core §5.3),
 * RP-initiated logout and revocation (RFC 7009).
 */

import { IdgateError, NotSignedInError, ValidationError } from "./errors.js";
import { randomToken } from "./encoding.js";
import { jsonObject, send, type HttpOptions } from "./http.js";
import { createPkce } from "./pkce.js";
import { ProviderClient, resolveClock, type ClockOptions, type Session } from "./provider.js";
import { defaultStorage, type StorageAdapter } from "./storage.js";

export const DEFAULT_SCOPE = "openid profile email offline_access";
/** Refresh when fewer than this many milliseconds of the access token remain. */
export const REFRESH_MARGIN_MS = 30_000;
/** A sign-in left pending longer than idgate keeps its interaction (10 min) is dropped. */
const PENDING_TTL_MS = 10 * 60_000;

export interface IdgateAuthOptions extends HttpOptions, ClockOptions {
  /** The tenant's issuer, e.g. `https://id.example.com/t/acme`. */
  issuer: string;
  clientId: string;
  /** Registered exactly (idgate matches redirect URIs exactly). */
  redirectUri: string;
  /** Default `openid profile email offline_access` (offline_access for a refresh token). */
  scope?: string;
  /** Where the pending sign-in and the session live (default: sessionStorage in a
   * browser, memory elsewhere). */
  storage?: StorageAdapter;
}

export interface SignInOptions {
  scope?: string;
  /** `none`, `login` or `consent` (OIDC Core §3.1.2.1). */
  prompt?: string;
  loginHint?: string;
  /** Seconds: ask for a fresh sign-in when the last is older. */
  maxAge?: number;
  /** More authorization request parameters. */
  params?: Record<string, string>;
}

export interface SignOutOptions {
  postLogoutRedirectUri?: string;
  state?: string;
}

interface PendingSignIn {
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  createdAt: number;
}

type Listener = (session: Session | null) => void;

export class IdgateAuth {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  private readonly provider: ProviderClient;
  private readonly storage: StorageAdapter;
  private readonly prefix: string;
  private readonly listeners = new Set<Listener>();
  private refreshing: Promise<Session> | undefined;

  constructor(options: IdgateAuthOptions) {
    this.clientId = options.clientId;
    this.redirectUri = options.redirectUri;
    this.scope = options.scope ?? DEFAULT_SCOPE;
    this.storage = options.storage ?? defaultStorage();
    this.provider = new ProviderClient(options.issuer, options, resolveClock(options));
    this.prefix = `idgate:${this.provider.issuer}:${this.clientId}:`;
  }

  get issuer(): string {
    return this.provider.issuer;
  }

  private now(): number {
    return this.provider.clock.now();
  }

  // ---- storage ----------------------------------------------------------------------

  private async readJson<T>(name: string): Promise<T | null> {
    const raw = await this.storage.get(this.prefix + name);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return null;
    }
  }

  private async writeJson(name: string, value: unknown): Promise<void> {
    await this.storage.set(this.prefix + name, JSON.stringify(value));
  }

  private async pendingSignIns(): Promise<Record<string, PendingSignIn>> {
    const all = (await this.readJson<Record<string, PendingSignIn>>("pending")) ?? {};
    const now = this.now();
    return Object.fromEntries(
      Object.entries(all).filter(([, pending]) => now - pending.createdAt < PENDING_TTL_MS),
    );
  }

  /** The stored session, or null. */
  async getSession(): Promise<Session | null> {
    return this.readJson<Session>("session");
  }

  async isSignedIn(): Promise<boolean> {
    return (await this.getSession()) !== null;
  }

  private async saveSession(session: Session | null): Promise<void> {
    if (session === null) await this.storage.remove(this.prefix + "session");
    else await this.writeJson("session", session);
    for (const listener of [...this.listeners]) {
      try {
        listener(session);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Called with the new session (or null when it ends) after every sign-in, refresh,
   * revocation or expiry; returns the function that unsubscribes. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // ---- sign in --------------------------------------------------------------------

  /** The authorization URL to navigate to; `state`, `nonce` and the PKCE verifier are kept
   * in the storage until {@link handleCallback}. */
  async signInUrl(options: SignInOptions = {}): Promise<string> {
    const authorize = await this.provider.endpoint("authorization_endpoint");
    const pkce = await createPkce();
    const state = randomToken(32);
    const nonce = randomToken(32);
    const pending = await this.pendingSignIns();
    pending[state] = {
      nonce,
      codeVerifier: pkce.codeVerifier,
      redirectUri: this.redirectUri,
      createdAt: this.now(),
    };
    await this.writeJson("pending", pending);
    const url = new URL(authorize);
    const params: Record<string, string> = {
      ...options.params,
      response_type: "code",
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: options.scope ?? this.scope,
      state,
      nonce,
      code_challenge: pkce.codeChallenge,
      code_challenge_method: pkce.codeChallengeMethod,
    };
    if (options.prompt !== undefined) params.prompt = options.prompt;
    if (options.loginHint !== undefined) params.login_hint = options.loginHint;
    if (options.maxAge !== undefined) params.max_age = String(options.maxAge);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /** Finish the sign-in from the authorization response URL (the redirect URI with its
   * query): checks `state` (single use) and `iss` (RFC 9207), exchanges the code with the
   * PKCE verifier, validates the ID token and stores the session. */
  async handleCallback(url: string | URL): Promise<Session> {
    const params = new URL(String(url)).searchParams;
    const state = params.get("state");
    const pendings = await this.pendingSignIns();
    const pending = state === null ? undefined : pendings[state];
    if (state === null || pending === undefined) {
      throw new ValidationError("state_mismatch", "the response's state matches no sign-in started here");
    }
    delete pendings[state];
    await this.writeJson("pending", pendings);
    await this.checkIss(params.get("iss"));
    const error = params.get("error");
    if (error !== null) {
      throw new IdgateError(0, error, params.get("error_description") ?? error);
    }
    const code = params.get("code");
    if (code === null) throw new ValidationError("missing_code", "the response has no code");
    const response = await this.provider.token({
      grant_type: "authorization_code",
      code,
      redirect_uri: pending.redirectUri,
      client_id: this.clientId,
      code_verifier: pending.codeVerifier,
    });
    const session = await this.provider.session(response, this.clientId, pending.nonce);
    if (!session.claims) {
      throw new ValidationError("id_token_invalid", "the token response has no ID token");
    }
    await this.saveSession(session);
    return session;
  }

  /** RFC 9207 §2.4: an `iss` must be the issuer; a missing one is accepted only from a
   * provider that does not advertise `authorization_response_iss_parameter_supported`. */
  private async checkIss(iss: string | null): Promise<void> {
    if (iss !== null) {
      if (iss !== this.provider.issuer) {
        throw new ValidationError("iss_mismatch", `the response comes from ${iss}, not ${this.issuer}`);
      }
      return;
    }
    const metadata = await this.provider.metadata();
    if (metadata.authorization_response_iss_parameter_supported === true) {
      throw new ValidationError("iss_mismatch", "the response has no iss, yet the issuer sends one");
    }
  }

  // ---- tokens -------------------------------------------------------------------------

  /** A valid access token, refreshed (with rotation) first when fewer than 30 s remain;
   * however many callers ask at once, one refresh is in flight. Throws
   * {@link NotSignedInError} without a session, or when the refresh token is refused. */
  async getAccessToken(): Promise<string> {
    const session = await this.getSession();
    if (session === null) throw new NotSignedInError();
    const remaining = session.expiresAt - this.now();
    if (remaining >= REFRESH_MARGIN_MS) return session.accessToken;
    if (session.refreshToken === undefined) {
      if (remaining > 0) return session.accessToken;
      await this.saveSession(null);
      throw new NotSignedInError("the session expired");
    }
    return (await this.refresh()).accessToken;
  }

  /** Refresh now (one refresh in flight at a time). */
  refresh(): Promise<Session> {
    if (!this.refreshing) {
      this.refreshing = this.refreshOnce().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async refreshOnce(): Promise<Session> {
    const session = await this.getSession();
    if (session === null) throw new NotSignedInError();
    if (session.refreshToken === undefined) throw new NotSignedInError("the session has no refresh token");
    let response;
    try {
      response = await this.provider.token({
        grant_type: "refresh_token",
        refresh_token: session.refreshToken,
        client_id: this.clientId,
      });
    } catch (error) {
      if (error instanceof IdgateError && error.error === "invalid_grant") {
        await this.saveSession(null);
        throw new NotSignedInError(`the session ended: ${error.message}`);
      }
      throw error;
    }
    const refreshed = await this.provider.session(response, this.clientId, null, session);
    await this.saveSession(refreshed);
    return refreshed;
  }

  /** The signed-in customer's claims from the userinfo endpoint (OIDC Core §5.3). */
  async userinfo(): Promise<Record<string, unknown>> {
    const url = await this.provider.endpoint("userinfo_endpoint");
    const token = await this.getAccessToken();
    const response = await send(
      { url, headers: { authorization: `Bearer ${token}` } },
      this.provider.http,
    );
    return jsonObject(response, "userinfo");
  }

  /** The RP-initiated logout URL (ends idgate's browser session). Build it before
   * {@link revoke}, which forgets the ID token it carries as `id_token_hint`. */
  async signOutUrl(options: SignOutOptions = {}): Promise<string> {
    const url = new URL(await this.provider.endpoint("end_session_endpoint"));
    const session = await this.getSession();
    if (session?.idToken !== undefined) url.searchParams.set("id_token_hint", session.idToken);
    url.searchParams.set("client_id", this.clientId);
    if (options.postLogoutRedirectUri !== undefined) {
      url.searchParams.set("post_logout_redirect_uri", options.postLogoutRedirectUri);
    }
    if (options.state !== undefined) url.searchParams.set("state", options.state);
    return url.toString();
  }

  /** Revoke the refresh token (idgate then revokes its whole family, access tokens
   * included) or, without one, the access token; the local session is forgotten even
   * when the revocation fails (the error is rethrown). */
  async revoke(): Promise<void> {
    const session = await this.getSession();
    if (session === null) return;
    try {
      const url = await this.provider.endpoint("revocation_endpoint");
      const refresh = session.refreshToken;
      await send(
        {
          method: "POST",
          url,
          form: {
            token: refresh ?? session.accessToken,
            token_type_hint: refresh ? "refresh_token" : "access_token",
            client_id: this.clientId,
          },
        },
        this.provider.http,
      );
    } finally {
      await this.saveSession(null);
    }
  }
}
