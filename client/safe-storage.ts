/** Web Storage holding JSON values. Never throws. */
export interface SafeStorage {
  /** The parsed value; null when missing or unreadable. */
  get(key: string): unknown
  set(key: string, value: unknown): void
  remove(key: string): void
}

/**
 * Wraps `get()` (e.g. `() => window.localStorage`) so that storage that is absent, forbidden
 * (SecurityError on access, private mode) or full (QuotaExceededError) degrades to an in-memory map
 * for the rest of the page's life instead of breaking the login. Losing persistence only costs a
 * silent re-login; an exception here would cost the page.
 */
export function safeStorage(get: () => Storage | null | undefined): SafeStorage {
  const memory = new Map<string, string>()
  let failed = false

  function use<T>(op: (s: Storage) => T, fallback: () => T): T {
    try {
      const storage = !failed && get()
      if (storage) return op(storage)
    } catch {
      // Memory from now on: mixing the two would give inconsistent reads.
    }
    failed = true
    return fallback()
  }

  return {
    get(key) {
      try {
        return JSON.parse(
          use(
            (s) => s.getItem(key),
            () => memory.get(key),
          ) ?? 'null',
        )
      } catch {
        return null
      }
    },
    set(key, value) {
      const json = JSON.stringify(value)
      use(
        (s) => s.setItem(key, json),
        () => void memory.set(key, json),
      )
    },
    remove: (key) =>
      use(
        (s) => s.removeItem(key),
        () => void memory.delete(key),
      ),
  }
}
