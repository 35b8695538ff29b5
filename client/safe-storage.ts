/** Web Storage holding JSON values. Never throws. */
export interface SafeStorage {
  /** The parsed value; null when missing or unreadable. */
  get(key: string): unknown
  set(key: string, value: unknown): void
  remove(key: string): void
}

/** A Web Storage, or the in-memory stand-in (its setters' results are ignored). */
interface Backend {
  getItem(key: string): string | null | undefined
  setItem(key: string, json: string): unknown
  removeItem(key: string): unknown
}

/**
 * Wraps `get()` (e.g. `() => window.localStorage`) so that storage that is absent, forbidden
 * (SecurityError on access, private mode) or full (QuotaExceededError) degrades to an in-memory map
 * for the rest of the page's life instead of breaking the login. Losing persistence only costs a
 * silent re-login; an exception here would cost the page.
 */
export function safeStorage(get: () => Storage | null | undefined): SafeStorage {
  const map = new Map<string, string>()
  const memory: Backend = {
    getItem: (key) => map.get(key),
    setItem: (key, json) => map.set(key, json),
    removeItem: (key) => map.delete(key),
  }
  let backend: Backend | null | undefined

  function use<T>(op: (s: Backend) => T): T {
    try {
      return op((backend ||= get() || memory))
    } catch {
      // Memory from now on: mixing the two would give inconsistent reads.
      return op((backend = memory))
    }
  }

  return {
    get(key) {
      try {
        return JSON.parse(use((s) => s.getItem(key)) ?? 'null')
      } catch {
        return null
      }
    },
    set: (key, value) => use((s) => s.setItem(key, JSON.stringify(value))),
    remove: (key) => use((s) => s.removeItem(key)),
  }
}
