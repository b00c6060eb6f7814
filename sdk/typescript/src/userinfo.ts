/** The userinfo endpoint (OIDC Core §5.3) for an access token held outside
 * {@link IdgateAuth}, e.g. one from {@link deviceSignIn}. */

import { discover } from "./discovery.js";
import { ValidationError } from "./errors.js";
import { jsonObject, send, type HttpOptions } from "./http.js";

export interface UserinfoOptions extends HttpOptions {
  issuer: string;
  accessToken: string;
}

/** The claims the access token's scopes allow (`sub`, `email`, `name`, ...). */
export async function fetchUserinfo(options: UserinfoOptions): Promise<Record<string, unknown>> {
  const { userinfo_endpoint } = await discover(options.issuer, options);
  if (!userinfo_endpoint) throw new ValidationError("malformed_response", "the provider has no userinfo_endpoint");
  const response = await send(
    { url: userinfo_endpoint, headers: { authorization: `Bearer ${options.accessToken}` } },
    options,
  );
  return jsonObject(response, "userinfo");
}
