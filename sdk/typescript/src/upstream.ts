/** The upstream token handoff: the customer's token at a connected provider (GitHub,
 * Google, ...) for an application whose client has the `upstream_token` scope.
 * `GET {issuer}/upstream/{connectionId}/token` with the customer's access token. */

import { normalizeIssuer } from "./discovery.js";
import { ValidationError } from "./errors.js";
import { jsonObject, send, type HttpOptions } from "./http.js";

export interface UpstreamToken {
  connection: string;
  provider: string;
  accessToken: string;
  tokenType: string;
  /** Seconds since the epoch, or null when the provider's token does not expire. */
  expiresAt: number | null;
  scope: string | null;
}

export interface UpstreamTokenOptions extends HttpOptions {
  issuer: string;
  connectionId: string;
  /** An access token idgate issued to the customer (with the `upstream_token` scope). */
  accessToken: string;
}

/** The upstream access token (refreshed by idgate first when it expires within 60 s).
 * Errors: 401 `invalid_token`, 403 `insufficient_scope`, 404 `not_linked` as IdgateError. */
export async function getUpstreamToken(options: UpstreamTokenOptions): Promise<UpstreamToken> {
  const url = `${normalizeIssuer(options.issuer)}/upstream/${encodeURIComponent(options.connectionId)}/token`;
  const response = await send(
    { url, headers: { authorization: `Bearer ${options.accessToken}` } },
    options,
  );
  const body = jsonObject(response, "upstream token");
  if (typeof body.access_token !== "string") {
    throw new ValidationError("malformed_response", "the upstream token response has no access_token");
  }
  return {
    connection: String(body.connection ?? options.connectionId),
    provider: String(body.provider ?? ""),
    accessToken: body.access_token,
    tokenType: typeof body.token_type === "string" ? body.token_type : "Bearer",
    expiresAt: typeof body.expires_at === "number" ? body.expires_at : null,
    scope: typeof body.scope === "string" ? body.scope : null,
  };
}
