/**
 * Where each admin-API operation lives on {@link IdgateAdmin}: `admin.orgs.approve(slug)`
 * calls `approveOrg`, and so on. Written by hand (the names are the SDK's API); the type
 * check fails when the generated operations have one that no method covers, and a test
 * fails when the live OpenAPI document has one the snapshot does not.
 */

import type { AdminOperationName } from "./generated.js";

/** Methods on the client itself. */
export const ROOT_METHODS = {
  me: "me",
  signUp: "signUp",
} as const satisfies Record<string, AdminOperationName>;

/** Methods grouped by resource. */
export const NAMESPACES = {
  orgs: {
    list: "listOrgs",
    create: "createOrg",
    get: "getOrg",
    delete: "deleteOrg",
    setTier: "setOrgTier",
    approve: "approveOrg",
    reject: "rejectOrg",
    suspend: "suspendOrg",
    reactivate: "reactivateOrg",
  },
  settings: {
    get: "getSettings",
    update: "changeSettings",
  },
  tiers: {
    list: "listTiers",
    update: "updateTier",
  },
  members: {
    list: "listMembers",
    add: "addMember",
    remove: "removeMember",
  },
  apps: {
    list: "listApps",
    create: "createApplication",
    get: "getApp",
    update: "updateApp",
    delete: "deleteApp",
    rotateSecret: "rotateSecret",
  },
  connections: {
    list: "listConnections",
    get: "getConnection",
    put: "putConnection",
    delete: "deleteConnection",
  },
  signingKeys: {
    list: "listKeys",
    rotate: "rotateKeys",
  },
  customers: {
    list: "listCustomers",
    add: "addCustomer",
    get: "showCustomer",
    delete: "deleteCustomer",
    setState: "setCustomerState",
    revokeSessions: "revokeSessions",
    revokeSession: "revokeSession",
    unlinkIdentity: "unlinkIdentity",
  },
  audit: {
    list: "orgAudit",
    platform: "platformAudit",
  },
  analytics: {
    logins: "orgLogins",
    loginsByMethod: "orgLoginsByMethod",
    loginsByApplication: "orgLoginsByApplication",
    activeCustomers: "orgActiveCustomers",
    growth: "orgGrowth",
    tokens: "orgTokens",
    recentLogins: "orgRecentLogins",
  },
  platformAnalytics: {
    overview: "platformOverview",
    growth: "platformGrowth",
    logins: "platformLogins",
    topOrganizations: "platformTopOrganizations",
  },
} as const satisfies Record<string, Record<string, AdminOperationName>>;

type ValueOf<T> = T[keyof T];
type NamespaceOperations = {
  [N in keyof typeof NAMESPACES]: ValueOf<(typeof NAMESPACES)[N]>;
}[keyof typeof NAMESPACES];

/** The operations some method covers. */
export type CoveredOperation = ValueOf<typeof ROOT_METHODS> | NamespaceOperations;

/** An operation of the generated API that no method covers: add it above. */
export type UncoveredOperation = Exclude<AdminOperationName, CoveredOperation>;

// Fails to compile, naming the operations, when the OpenAPI snapshot has uncovered ones:
// "Type '"orgLogins" | ...' does not satisfy the constraint 'never'".
type EveryOperationCovered<Uncovered extends never> = Uncovered;
export type AllCovered = EveryOperationCovered<Exclude<AdminOperationName, CoveredOperation>>;

/** Every operation covered, and the method that covers it (`orgs.approve`). */
export function coveredOperations(): Map<AdminOperationName, string> {
  const covered = new Map<AdminOperationName, string>();
  for (const [method, operation] of Object.entries(ROOT_METHODS)) covered.set(operation, method);
  for (const [namespace, methods] of Object.entries(NAMESPACES)) {
    for (const [method, operation] of Object.entries(methods)) {
      covered.set(operation as AdminOperationName, `${namespace}.${method}`);
    }
  }
  return covered;
}
