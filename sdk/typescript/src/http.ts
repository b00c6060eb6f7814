/**
 * One HTTP call with a time-out, typed errors and a small retry policy.
 *
 * Retries: a 503 is repeated for any method (idgate rolls the whole request back when its
 * database is unavailable, so a token request's code or refresh token stays unused), after
 * `Retry-After` when it is given and not longer than `maxRetryDelayMs`; a network failure
 * or time-out is repeated only for GET (a POST may have been processed). Nothing else is
 * repeated: 429 and 4xx errors surface at once as {@link IdgateError}.
 */

import { IdgateError, NetworkError, TimeoutError, ValidationError } from "./errors.js";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options every SDK entry point takes. */
export interface HttpOptions {
  /** The fetch to use (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Time-out of one request in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** How many times a retryable failure is repeated (default 2). */
  retries?: number;
  /** The longest wait before a retry in milliseconds (default 5 000). */
  maxRetryDelayMs?: number;
  /** Waits before retries; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** A form (application/x-www-form-urlencoded) body. */
  form?: Record<string, string | undefined>;
  /** A JSON body. */
  json?: unknown;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the answer has none. */
  body: unknown;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

function resolveFetch(options: HttpOptions): FetchLike {
  if (options.fetch) return options.fetch;
  if (typeof fetch !== "function") {
    throw new Error("no fetch available: pass `fetch` in the options");
  }
  return (input, init) => fetch(input, init);
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function encodeForm(form: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The {@link IdgateError} for an error answer (OAuth `error` + `error_description`, or
 * the admin API's `ErrorOut` with `message` and `fields`). */
export function errorFromResponse(status: number, body: unknown, headers?: Headers): IdgateError {
  const retryAfter = headers ? parseRetryAfter(headers.get("retry-after")) : undefined;
  if (body !== null && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const error = typeof record.error === "string" ? record.error : `http_${status}`;
    const message =
      typeof record.message === "string"
        ? record.message
        : typeof record.error_description === "string"
          ? record.error_description
          : error;
    const fields = Array.isArray(record.fields)
      ? record.fields.filter((field): field is string => typeof field === "string")
      : undefined;
    return new IdgateError(status, error, message, {
      ...(fields ? { fields } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  const text = typeof body === "string" && body.length < 200 ? body : `HTTP ${status}`;
  return new IdgateError(status, `http_${status}`, text, retryAfter !== undefined ? { retryAfter } : {});
}

async function sendOnce(
  doFetch: FetchLike,
  request: HttpRequest,
  timeoutMs: number,
): Promise<Response> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const outer = request.signal;
  const onAbort = (): void => controller.abort(outer?.reason);
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener("abort", onAbort, { once: true });
  }
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  let body: string | undefined;
  if (request.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = encodeForm(request.form);
  } else if (request.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(request.json);
  }
  try {
    const init: RequestInit = {
      method: request.method ?? "GET",
      headers,
      signal: controller.signal,
      ...(body !== undefined ? { body } : {}),
    };
    return await doFetch(request.url, init);
  } catch (cause) {
    if (timedOut) throw new TimeoutError(request.url, timeoutMs);
    if (outer?.aborted) throw outer.reason ?? cause;
    throw new NetworkError(request.url, cause);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

function isRetryable(method: string, error: unknown): boolean {
  if (error instanceof IdgateError) return error.status === 503;
  return method === "GET" && (error instanceof NetworkError || error instanceof TimeoutError);
}

/** Send `request`; a 2xx answer is returned, anything else thrown as a typed error. */
export async function send(request: HttpRequest, options: HttpOptions = {}): Promise<HttpResponse> {
  const doFetch = resolveFetch(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? 2;
  const maxDelay = options.maxRetryDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const method = request.method ?? "GET";
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await sendOnce(doFetch, request, timeoutMs);
      let body: unknown;
      try {
        body = await readBody(response);
      } catch (cause) {
        throw new NetworkError(request.url, cause);
      }
      if (response.status >= 200 && response.status < 300) {
        return { status: response.status, headers: response.headers, body };
      }
      throw errorFromResponse(response.status, body, response.headers);
    } catch (error) {
      if (attempt >= retries || !isRetryable(method, error)) throw error;
      const hinted = error instanceof IdgateError ? error.retryAfter : undefined;
      if (hinted !== undefined && hinted * 1000 > maxDelay) throw error;
      await sleep(hinted !== undefined ? hinted * 1000 : Math.min(maxDelay, 250 * 2 ** attempt));
    }
  }
}

/** The body of a 2xx JSON answer as an object, or a {@link ValidationError}. */
export function jsonObject(response: HttpResponse, what: string): Record<string, unknown> {
  const body = response.body;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError("malformed_response", `${what}: the answer is not a JSON object`);
  }
  return body as Record<string, unknown>;
}
