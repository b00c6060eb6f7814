/** OpenID Provider metadata (OIDC Discovery 1.0 §3–4, RFC 8414 §2–3). */

import { ValidationError } from "./errors.js";
import { jsonObject, send, type HttpOptions } from "./http.js";

/** The metadata idgate publishes at `{issuer}/.well-known/openid-configuration`. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  device_authorization_endpoint?: string;
  response_types_supported: string[];
  response_modes_supported?: string[];
  grant_types_supported?: string[];
  subject_types_supported?: string[];
  id_token_signing_alg_values_supported: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  scopes_supported?: string[];
  claims_supported?: string[];
  prompt_values_supported?: string[];
  /** RFC 9207 §3: the authorization response carries `iss`. */
  authorization_response_iss_parameter_supported?: boolean;
  [other: string]: unknown;
}

/** The issuer without a trailing slash (idgate's issuers never end in one). */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, "");
}

/** Fetch the issuer's metadata and check that it names the same issuer (OIDC Discovery
 * §4.3: otherwise a provider could pass itself off as another). */
export async function discover(issuer: string, options: HttpOptions = {}): Promise<ProviderMetadata> {
  const expected = normalizeIssuer(issuer);
  const url = `${expected}/.well-known/openid-configuration`;
  const body = jsonObject(await send({ url }, options), "discovery");
  if (body.issuer !== expected) {
    throw new ValidationError(
      "discovery_mismatch",
      `the discovery document names issuer ${String(body.issuer)}, not ${expected}`,
    );
  }
  for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
    if (typeof body[field] !== "string") {
      throw new ValidationError("malformed_response", `the discovery document has no ${field}`);
    }
  }
  return body as ProviderMetadata;
}
