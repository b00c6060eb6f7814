/**
 * The admin API client (`/api/v1`): one typed method per operation, grouped by resource
 * (`admin.orgs.list()`, `admin.apps.create(slug, {...})`, ...). Request and response types
 * are generated from the OpenAPI document (./generated.ts); errors are {@link IdgateError}
 * with the API's `error`, `message` and `fields`.
 *
 * Operators authenticate with an access token from the platform tenant for the admin
 * audience: sign in with {@link deviceSignIn} against `{baseUrl}/t/platform` with the
 * client `idgate-cli`, then pass the token (or a function that returns a fresh one).
 */

import { send, type HttpOptions } from "../http.js";
import {
  ADMIN_OPERATIONS,
  type AdminOperationName,
  type AdminOperations,
} from "./generated.js";
import { NAMESPACES, ROOT_METHODS } from "./namespaces.js";

export interface IdgateAdminOptions extends HttpOptions {
  /** The idgate server, e.g. `https://id.example.com` (the API is under `/api/v1`). */
  baseUrl: string;
  /** A fixed access token. */
  accessToken?: string;
  /** Called before every request: return a valid access token (e.g. `auth.getAccessToken`). */
  getAccessToken?: () => string | Promise<string>;
}

type Bound<M extends Record<string, AdminOperationName>> = {
  readonly [K in keyof M]: AdminOperations[M[K]];
};
type Namespaces = typeof NAMESPACES;

export class IdgateAdmin {
  readonly baseUrl: string;
  private readonly options: IdgateAdminOptions;

  readonly me: AdminOperations["me"];
  readonly signUp: AdminOperations["signUp"];
  readonly orgs: Bound<Namespaces["orgs"]>;
  readonly settings: Bound<Namespaces["settings"]>;
  readonly tiers: Bound<Namespaces["tiers"]>;
  readonly members: Bound<Namespaces["members"]>;
  readonly apps: Bound<Namespaces["apps"]>;
  readonly connections: Bound<Namespaces["connections"]>;
  readonly signingKeys: Bound<Namespaces["signingKeys"]>;
  readonly customers: Bound<Namespaces["customers"]>;
  readonly audit: Bound<Namespaces["audit"]>;
  readonly analytics: Bound<Namespaces["analytics"]>;
  readonly platformAnalytics: Bound<Namespaces["platformAnalytics"]>;

  constructor(options: IdgateAdminOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.me = this.method(ROOT_METHODS.me);
    this.signUp = this.method(ROOT_METHODS.signUp);
    this.orgs = this.bind(NAMESPACES.orgs);
    this.settings = this.bind(NAMESPACES.settings);
    this.tiers = this.bind(NAMESPACES.tiers);
    this.members = this.bind(NAMESPACES.members);
    this.apps = this.bind(NAMESPACES.apps);
    this.connections = this.bind(NAMESPACES.connections);
    this.signingKeys = this.bind(NAMESPACES.signingKeys);
    this.customers = this.bind(NAMESPACES.customers);
    this.audit = this.bind(NAMESPACES.audit);
    this.analytics = this.bind(NAMESPACES.analytics);
    this.platformAnalytics = this.bind(NAMESPACES.platformAnalytics);
  }

  private method<N extends AdminOperationName>(name: N): AdminOperations[N] {
    return ((...args: unknown[]) => this.call(name, args)) as unknown as AdminOperations[N];
  }

  private bind<M extends Record<string, AdminOperationName>>(methods: M): Bound<M> {
    const bound: Record<string, unknown> = {};
    for (const [key, name] of Object.entries(methods)) bound[key] = this.method(name);
    return Object.freeze(bound) as Bound<M>;
  }

  private async token(): Promise<string | undefined> {
    if (this.options.getAccessToken) return this.options.getAccessToken();
    return this.options.accessToken;
  }

  /** Send one operation by name: path parameters in path order, then the body, then the
   * query (what every generated method does). */
  async call(name: AdminOperationName, args: readonly unknown[]): Promise<unknown> {
    const spec = ADMIN_OPERATIONS[name];
    let index = 0;
    let path = spec.path;
    for (const param of spec.pathParams) {
      const value = args[index++];
      if (value === undefined || value === null || value === "") {
        throw new TypeError(`${name}: ${param} is required`);
      }
      path = path.replace(`{${param}}`, encodeURIComponent(String(value)));
    }
    const body = spec.body === "none" ? undefined : args[index++];
    if (spec.body === "required" && body === undefined) throw new TypeError(`${name}: a body is required`);
    const url = new URL(this.baseUrl + path);
    if (spec.query.length > 0) {
      const query = (args[index] ?? {}) as Record<string, unknown>;
      for (const key of spec.query) {
        const value = query[key];
        if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
      }
    }
    const token = await this.token();
    const response = await send(
      {
        method: spec.method,
        url: url.toString(),
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body !== undefined && body !== null ? { json: body } : {}),
      },
      this.options,
    );
    return response.status === 204 ? undefined : response.body;
  }
}
