// An in-process stand-in for idgate's OAuth endpoints, as a `fetch` function: discovery,
// JWKS, token (authorization_code, refresh_token with rotation, device_code), revocation,
// userinfo, device authorization. For the unit tests of the SDK's pure logic; the
// integration tests run the real `idgate serve`.
import { createHash, randomBytes } from "node:crypto";
import { atHash, makeKey, signJwt } from "./keys.mjs";

export const ISSUER = "https://id.test/t/shop";

export class FakeIdgate {
  constructor({ issuer = ISSUER, alg = "RS256", issParameter = true, now = () => Date.now() } = {}) {
    this.issuer = issuer;
    this.key = makeKey(alg);
    this.issParameter = issParameter;
    this.now = now;
    this.codes = new Map();
    this.refreshTokens = new Map();
    this.calls = [];
    this.deviceAnswers = []; // queued device-poll answers: "pending" | "slow_down" | "denied" | "expired" | "ok"
    this.tokenErrors = []; // queued token endpoint error codes
    this.accessTtl = 300;
    this.fetch = this.fetch.bind(this);
  }

  metadata() {
    const i = this.issuer;
    return {
      issuer: i,
      authorization_endpoint: `${i}/authorize`,
      token_endpoint: `${i}/token`,
      userinfo_endpoint: `${i}/userinfo`,
      jwks_uri: `${i}/jwks`,
      end_session_endpoint: `${i}/logout`,
      revocation_endpoint: `${i}/revoke`,
      device_authorization_endpoint: `${i}/device_authorization`,
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: this.issParameter,
    };
  }

  /** What idgate's /authorize would redirect to after the user signs in. */
  authorize(signInUrl, { sub = "user-1", overrides = {} } = {}) {
    const url = new URL(signInUrl);
    const p = url.searchParams;
    const code = randomBytes(16).toString("base64url");
    this.codes.set(code, {
      challenge: p.get("code_challenge"),
      nonce: p.get("nonce"),
      redirectUri: p.get("redirect_uri"),
      clientId: p.get("client_id"),
      sub,
    });
    const back = new URL(p.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", p.get("state"));
    if (this.issParameter) back.searchParams.set("iss", this.issuer);
    for (const [k, v] of Object.entries(overrides)) {
      if (v === null) back.searchParams.delete(k);
      else back.searchParams.set(k, v);
    }
    return back.toString();
  }

  idToken(clientId, sub, nonce, accessToken, extra = {}) {
    const iat = Math.floor(this.now() / 1000);
    return signJwt(this.key, {
      iss: this.issuer, sub, aud: clientId, azp: clientId, iat, exp: iat + 3600,
      at_hash: atHash(accessToken, this.key.alg),
      ...(nonce ? { nonce } : {}),
      email: `${sub}@example.com`,
      ...extra,
    });
  }

  issue(clientId, sub, nonce) {
    const accessToken = `at-${randomBytes(8).toString("hex")}`;
    const refreshToken = `rt-${randomBytes(8).toString("hex")}`;
    this.refreshTokens.set(refreshToken, { clientId, sub, used: false });
    return json(200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: this.accessTtl,
      refresh_token: refreshToken,
      id_token: this.idToken(clientId, sub, nonce, accessToken),
      scope: "openid profile email offline_access",
    });
  }

  token(form) {
    const queued = this.tokenErrors.shift();
    if (queued) return json(queued === "temporarily_unavailable" ? 503 : 400, { error: queued, error_description: queued });
    switch (form.get("grant_type")) {
      case "authorization_code": {
        const grant = this.codes.get(form.get("code"));
        this.codes.delete(form.get("code"));
        if (!grant) return json(400, { error: "invalid_grant", error_description: "bad code" });
        const challenge = createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url");
        if (challenge !== grant.challenge || form.get("redirect_uri") !== grant.redirectUri) {
          return json(400, { error: "invalid_grant", error_description: "PKCE or redirect_uri" });
        }
        return this.issue(grant.clientId, grant.sub, grant.nonce);
      }
      case "refresh_token": {
        const family = this.refreshTokens.get(form.get("refresh_token"));
        if (!family || family.used) return json(400, { error: "invalid_grant", error_description: "reused" });
        family.used = true;
        return this.issue(family.clientId, family.sub, null);
      }
      case "urn:ietf:params:oauth:grant-type:device_code": {
        const answer = this.deviceAnswers.shift() ?? "pending";
        const errors = { pending: "authorization_pending", slow_down: "slow_down", denied: "access_denied", expired: "expired_token" };
        if (answer === "ok") return this.issue(form.get("client_id"), "device-user", null);
        return json(400, { error: errors[answer], error_description: answer });
      }
      default:
        return json(400, { error: "unsupported_grant_type", error_description: "?" });
    }
  }

  async fetch(input, init = {}) {
    const url = new URL(input);
    const method = init.method ?? "GET";
    const form = typeof init.body === "string" ? new URLSearchParams(init.body) : new URLSearchParams();
    this.calls.push({ method, path: url.pathname, form: Object.fromEntries(form), headers: init.headers ?? {} });
    const path = url.pathname.slice(new URL(this.issuer).pathname.length);
    switch (`${method} ${path}`) {
      case "GET /.well-known/openid-configuration":
        return json(200, this.metadata());
      case "GET /jwks":
        return json(200, { keys: [this.key.jwk] });
      case "POST /token":
        return this.token(form);
      case "POST /revoke":
        this.refreshTokens.delete(form.get("token"));
        return new Response(null, { status: 200 });
      case "GET /userinfo":
        return json(200, { sub: "user-1", email: "user-1@example.com" });
      case "POST /device_authorization":
        return json(200, {
          device_code: "dev-code", user_code: "ABCD-EFGH",
          verification_uri: `${this.issuer}/device`,
          verification_uri_complete: `${this.issuer}/device?user_code=ABCD-EFGH`,
          expires_in: 600, interval: 5,
        });
      default:
        return json(404, { error: "not_found", error_description: path });
    }
  }

  count(path) {
    return this.calls.filter((call) => call.path.endsWith(path)).length;
  }
}

export function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
