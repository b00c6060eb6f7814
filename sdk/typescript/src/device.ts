/**
 * The device authorization grant (RFC 8628) for CLIs and TVs: ask for a user code (§3.1–3.2),
 * show it (`onUserCode`), poll the token endpoint (§3.4) every `interval` seconds, 5 s
 * more after each `slow_down` (§3.5), until the user approves (a session), refuses
 * ({@link AccessDeniedError}) or the code expires ({@link ExpiredTokenError}).
 */

import { AccessDeniedError, ExpiredTokenError, IdgateError, ValidationError } from "./errors.js";
import { defaultSleep, jsonObject, send, type HttpOptions } from "./http.js";
import { ProviderClient, resolveClock, type ClockOptions, type Session } from "./provider.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** What to show the user (RFC 8628 §3.2). */
export interface UserCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds until the code expires. */
  expiresIn: number;
  /** Seconds between polls. */
  interval: number;
}

export interface DeviceSignInOptions extends HttpOptions, ClockOptions {
  issuer: string;
  clientId: string;
  /** Default `openid profile offline_access`. */
  scope?: string;
  /** Show the code to the user; polling starts once it returns. */
  onUserCode: (code: UserCode) => void | Promise<void>;
  /** Stop polling (the promise then rejects with the signal's reason). */
  signal?: AbortSignal;
}

function abortableSleep(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!signal) return sleep(ms);
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      reject,
    );
  });
}

function userCodeFrom(body: Record<string, unknown>): { deviceCode: string; code: UserCode } {
  const { device_code, user_code, verification_uri } = body;
  if (typeof device_code !== "string" || typeof user_code !== "string" || typeof verification_uri !== "string") {
    throw new ValidationError("malformed_response", "the device authorization response is incomplete");
  }
  const code: UserCode = {
    userCode: user_code,
    verificationUri: verification_uri,
    expiresIn: typeof body.expires_in === "number" ? body.expires_in : 600,
    interval: typeof body.interval === "number" && body.interval > 0 ? body.interval : 5,
  };
  if (typeof body.verification_uri_complete === "string") {
    code.verificationUriComplete = body.verification_uri_complete;
  }
  return { deviceCode: device_code, code };
}

/** Sign in with the device flow; resolves with the session once the user approves. */
export async function deviceSignIn(options: DeviceSignInOptions): Promise<Session> {
  const clock = resolveClock(options);
  const provider = new ProviderClient(options.issuer, options, clock);
  const sleep = options.sleep ?? defaultSleep;
  const signal = options.signal;
  const url = await provider.endpoint("device_authorization_endpoint");
  const started = await send(
    {
      method: "POST",
      url,
      form: { client_id: options.clientId, scope: options.scope ?? "openid profile offline_access" },
      ...(signal ? { signal } : {}),
    },
    options,
  );
  const { deviceCode, code } = userCodeFrom(jsonObject(started, "device authorization"));
  await options.onUserCode(code);
  const deadline = clock.now() + code.expiresIn * 1000;
  let interval = code.interval;
  for (;;) {
    await abortableSleep(sleep, interval * 1000, signal);
    try {
      const response = await provider.token(
        { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: options.clientId },
        signal,
      );
      return await provider.session(response, options.clientId, null);
    } catch (error) {
      if (!(error instanceof IdgateError)) throw error;
      switch (error.error) {
        case "authorization_pending":
          break;
        case "slow_down":
          interval += 5;
          break;
        case "expired_token":
          throw new ExpiredTokenError(error.message, error.status);
        case "access_denied":
          throw new AccessDeniedError(error.message, error.status);
        default:
          throw error;
      }
    }
    if (clock.now() >= deadline) throw new ExpiredTokenError();
  }
}
