/**
 * @idgate/sdk: sign-in for browser applications ({@link IdgateAuth}), the device flow for
 * CLIs and TVs ({@link deviceSignIn}), the typed admin API client ({@link IdgateAdmin}),
 * the upstream token handoff ({@link getUpstreamToken}) and discovery ({@link discover}).
 * No runtime dependencies: `fetch` and WebCrypto, in browsers and Node 20+.
 */

export { IdgateAuth, DEFAULT_SCOPE, REFRESH_MARGIN_MS } from "./auth.js";
export type { IdgateAuthOptions, SignInOptions, SignOutOptions } from "./auth.js";
export { deviceSignIn, DEVICE_CODE_GRANT } from "./device.js";
export type { DeviceSignInOptions, UserCode } from "./device.js";
export { discover, normalizeIssuer } from "./discovery.js";
export type { ProviderMetadata } from "./discovery.js";
export { getUpstreamToken } from "./upstream.js";
export { fetchUserinfo } from "./userinfo.js";
export type { UserinfoOptions } from "./userinfo.js";
export type { UpstreamToken, UpstreamTokenOptions } from "./upstream.js";
export {
  IdgateError,
  ExpiredTokenError,
  AccessDeniedError,
  NetworkError,
  TimeoutError,
  ValidationError,
  NotSignedInError,
} from "./errors.js";
export type { ValidationFailure } from "./errors.js";
export { send, parseRetryAfter, errorFromResponse, DEFAULT_TIMEOUT_MS } from "./http.js";
export type { FetchLike, HttpOptions, HttpRequest, HttpResponse } from "./http.js";
export {
  MemoryStorage,
  SessionStorageAdapter,
  LocalStorageAdapter,
  defaultStorage,
} from "./storage.js";
export type { StorageAdapter, WebStorageLike } from "./storage.js";
export { createPkce, createCodeVerifier, codeChallengeS256 } from "./pkce.js";
export type { Pkce } from "./pkce.js";
export {
  decodeJwt,
  verifyJws,
  validateIdToken,
  checkIdTokenClaims,
  tokenHalfHash,
  candidateKeys,
  SUPPORTED_ALGORITHMS,
} from "./jwt.js";
export type {
  IdTokenChecks,
  IdTokenClaims,
  JoseHeader,
  Jwk,
  Jwks,
  JwsAlgorithm,
  KeySource,
  DecodedJwt,
} from "./jwt.js";
export type { Session, TokenResponse, ClockOptions } from "./provider.js";
export { IdgateAdmin } from "./admin/client.js";
export type { IdgateAdminOptions } from "./admin/client.js";
export { coveredOperations, NAMESPACES, ROOT_METHODS } from "./admin/namespaces.js";
export type { CoveredOperation, UncoveredOperation } from "./admin/namespaces.js";
export { ADMIN_OPERATIONS } from "./admin/generated.js";
export type * from "./admin/generated.js";
