/**
 * Where {@link IdgateAuth} keeps the pending sign-in (state, nonce, PKCE verifier) and the
 * session. Any object with `get`/`set`/`remove` works (sync or async), e.g. one backed by
 * IndexedDB, a cookie or a native keychain.
 *
 * - {@link MemoryStorage}: gone on reload; fine for Node and for tests. The redirect flow
 *   needs the pending sign-in to survive a page load, so in a browser use one of the others.
 * - {@link SessionStorageAdapter} (the browser default): one tab, cleared when it closes.
 * - {@link LocalStorageAdapter}: shared by every tab of the origin and kept across
 *   restarts, so a refresh token stored there is as exposed as anything script can read.
 */

export interface StorageAdapter {
  get(key: string): string | null | Promise<string | null>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

/** A Map; nothing survives the process or the page. */
export class MemoryStorage implements StorageAdapter {
  private readonly values = new Map<string, string>();
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
  remove(key: string): void {
    this.values.delete(key);
  }
  /** The stored keys (for tests and debugging). */
  keys(): string[] {
    return [...this.values.keys()];
  }
}

/** The part of the Web Storage API the adapters use. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

class WebStorageAdapter implements StorageAdapter {
  constructor(private readonly store: WebStorageLike) {}
  get(key: string): string | null {
    return this.store.getItem(key);
  }
  set(key: string, value: string): void {
    this.store.setItem(key, value);
  }
  remove(key: string): void {
    this.store.removeItem(key);
  }
}

function globalStorage(name: "sessionStorage" | "localStorage"): WebStorageLike {
  const store = (globalThis as Record<string, unknown>)[name] as WebStorageLike | undefined;
  if (!store) throw new Error(`${name} is not available here: pass a storage explicitly`);
  return store;
}

/** `window.sessionStorage` (or any Web Storage given). */
export class SessionStorageAdapter extends WebStorageAdapter {
  constructor(store: WebStorageLike = globalStorage("sessionStorage")) {
    super(store);
  }
}

/** `window.localStorage` (or any Web Storage given). */
export class LocalStorageAdapter extends WebStorageAdapter {
  constructor(store: WebStorageLike = globalStorage("localStorage")) {
    super(store);
  }
}

/** sessionStorage in a browser, memory elsewhere. */
export function defaultStorage(): StorageAdapter {
  try {
    return new SessionStorageAdapter();
  } catch {
    return new MemoryStorage();
  }
}
