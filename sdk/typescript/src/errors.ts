/**
 * The SDK's error kinds. Every failure is one of:
 *
 * - {@link IdgateError}: idgate (or the authorization response) answered with an error:
 *   `status` is the HTTP status (0 for an error returned in a redirect), `error` the code
 *   (`invalid_grant`, `not_found`, ...), `message` the description for people.
 *   {@link ExpiredTokenError} and {@link AccessDeniedError} are the device flow's final
 *   answers (RFC 8628 §3.5).
 * - {@link NetworkError}: the request never got an answer (DNS, refused connection, CORS).
 * - {@link TimeoutError}: no answer within the time-out.
 * - {@link ValidationError}: an answer arrived but must not be trusted (state or `iss`
 *   mismatch, an ID token whose signature or claims are wrong, a malformed response).
 * - {@link NotSignedInError}: there is no session (or it ended) where one is needed.
 */

/** An error answer from idgate (RFC 6749 §5.2 / the admin API's `ErrorOut`). */
export class IdgateError extends Error {
  override readonly name: string = "IdgateError";
  /** The HTTP status; 0 when the error came back in an authorization response redirect. */
  readonly status: number;
  /** The error code, e.g. `invalid_grant`, `not_found`, `validation_failed`. */
  readonly error: string;
  /** The admin API's offending fields (dotted paths), when it names them. */
  readonly fields: readonly string[] | undefined;
  /** Seconds to wait before retrying, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    error: string,
    message: string,
    options: { fields?: readonly string[]; retryAfter?: number } = {},
  ) {
    super(message || error);
    this.status = status;
    this.error = error;
    this.fields = options.fields;
    this.retryAfter = options.retryAfter;
  }
}

/** RFC 8628 §3.5 `expired_token`: the device code expired before anyone approved it. */
export class ExpiredTokenError extends IdgateError {
  override readonly name: string = "ExpiredTokenError";
  constructor(message = "the device code expired before it was approved", status = 400) {
    super(status, "expired_token", message);
  }
}

/** RFC 8628 §3.5 `access_denied`: the user refused the device's request. */
export class AccessDeniedError extends IdgateError {
  override readonly name: string = "AccessDeniedError";
  constructor(message = "the sign-in request was denied", status = 400) {
    super(status, "access_denied", message);
  }
}

/** The request got no answer: the network failed, the host refused, or CORS blocked it. */
export class NetworkError extends Error {
  override readonly name: string = "NetworkError";
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`network error calling ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.url = url;
  }
}

/** The request got no answer within `timeoutMs`. */
export class TimeoutError extends Error {
  override readonly name: string = "TimeoutError";
  readonly url: string;
  readonly timeoutMs: number;
  constructor(url: string, timeoutMs: number) {
    super(`no answer from ${url} within ${timeoutMs} ms`);
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/** Why an answer was refused. */
export type ValidationFailure =
  | "state_mismatch"
  | "iss_mismatch"
  | "missing_code"
  | "id_token_invalid"
  | "id_token_signature"
  | "id_token_claims"
  | "discovery_mismatch"
  | "malformed_response";

/** An answer that arrived but must not be trusted. */
export class ValidationError extends Error {
  override readonly name: string = "ValidationError";
  readonly reason: ValidationFailure;
  constructor(reason: ValidationFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** There is no session, or it ended (signed out, or its refresh token was refused). */
export class NotSignedInError extends Error {
  override readonly name: string = "NotSignedInError";
  constructor(message = "not signed in") {
    super(message);
  }
}
