import assert from "node:assert/strict";
import { test } from "node:test";
import {
  IdgateAuth,
  LocalStorageAdapter,
  MemoryStorage,
  SessionStorageAdapter,
  defaultStorage,
} from "../../dist/esm/index.js";
import { FakeIdgate, ISSUER } from "../support/fake-idgate.mjs";

class FakeWebStorage {
  items = new Map();
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

test("the memory adapter stores, reads and removes", () => {
  const storage = new MemoryStorage();
  storage.set("a", "1");
  assert.equal(storage.get("a"), "1");
  storage.remove("a");
  assert.equal(storage.get("a"), null);
});

test("the sessionStorage and localStorage adapters go through the Web Storage API", () => {
  for (const Adapter of [SessionStorageAdapter, LocalStorageAdapter]) {
    const web = new FakeWebStorage();
    const storage = new Adapter(web);
    storage.set("k", "v");
    assert.equal(web.getItem("k"), "v");
    assert.equal(storage.get("k"), "v");
    storage.remove("k");
    assert.equal(web.items.size, 0);
  }
});

test("without a global sessionStorage (Node), the default is memory and the web adapters say why", () => {
  assert.ok(defaultStorage() instanceof MemoryStorage);
  assert.throws(() => new SessionStorageAdapter(), /sessionStorage is not available/);
  assert.throws(() => new LocalStorageAdapter(), /localStorage is not available/);
});

test("the pending sign-in survives a page load: a new IdgateAuth on the same storage finishes it", async () => {
  const idgate = new FakeIdgate();
  const web = new FakeWebStorage();
  const options = { issuer: ISSUER, clientId: "spa", redirectUri: "https://app.test/cb", fetch: idgate.fetch };
  const before = new IdgateAuth({ ...options, storage: new SessionStorageAdapter(web) });
  const callback = idgate.authorize(await before.signInUrl());
  const after = new IdgateAuth({ ...options, storage: new SessionStorageAdapter(web) });
  const session = await after.handleCallback(callback);
  assert.equal(session.claims.sub, "user-1");
  const stored = [...web.items.keys()];
  assert.ok(stored.every((key) => key.startsWith(`idgate:${ISSUER}:spa:`)), stored.join());
});

test("an adapter of one's own may be asynchronous", async () => {
  const values = new Map();
  const storage = {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => void values.set(key, value),
    remove: async (key) => void values.delete(key),
  };
  const idgate = new FakeIdgate();
  const auth = new IdgateAuth({ issuer: ISSUER, clientId: "spa", redirectUri: "https://app.test/cb", fetch: idgate.fetch, storage });
  await auth.handleCallback(idgate.authorize(await auth.signInUrl()));
  assert.ok(await auth.isSignedIn());
});
