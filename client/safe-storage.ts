/** Web Storage holding JSON values. Never throws. */
export interface SafeStorage {
  /** The parsed value; null when missing or unreadable. */
  get(key: string): unknown
  set(key: string, value: unknown): void
  remove(key: string): void
}

type Backend = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Wraps `get()` (e.g. `() => window.localStorage`) so that storage that is absent, forbidden
 * (SecurityError on access, private mode) or full (QuotaExceededError) degrades to an in-memory map
 * for the rest of the page's life instead of breaking the login. Losing persistence only costs a
 * silent re-login; an exception here would cost the page.
 */
export function safeStorage(get: () => Storage | null | undefined): SafeStorage {
  const memory = new Map<string, string>()
  const fallback: Backend = {
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => void memory.set(key, value),
    removeItem: (key) => void memory.delete(key),
  }
  let real: Storage | null | undefined
  let failed = false

  function use<T>(op: (s: Backend) => T): T {
    if (!failed) {
      try {
        real ??= get()
        if (real) return op(real)
      } catch {
        // Memory from now on: mixing the two would give inconsistent reads.
      }
      failed = true
    }
    return op(fallback)
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
