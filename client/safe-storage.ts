/** The part of the Web Storage API the kit uses, plus `keys()` for sweeping. Never throws. */
export interface SafeStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
  keys(): string[]
}

/**
 * Wraps `get()` (e.g. `() => window.localStorage`) so that storage that is absent, forbidden
 * (SecurityError on access, private mode) or full (QuotaExceededError) degrades to an in-memory map
 * for the rest of the page's life instead of breaking the login. Losing persistence only costs a
 * silent re-login; an exception here would cost the page.
 */
export function safeStorage(get: () => Storage | null | undefined): SafeStorage {
  const memory = new Map<string, string>()
  let real: Storage | null | undefined
  let failed = false

  function use<T>(onReal: (s: Storage) => T, onMemory: () => T): T {
    if (!failed) {
      try {
        real ??= get()
        if (real) return onReal(real)
      } catch {
        // Fall through to memory from now on; mixing the two would give inconsistent reads.
      }
      failed = true
    }
    return onMemory()
  }

  return {
    getItem: (key) =>
      use(
        (s) => s.getItem(key),
        () => memory.get(key) ?? null,
      ),
    setItem: (key, value) =>
      use(
        (s) => s.setItem(key, value),
        () => void memory.set(key, value),
      ),
    removeItem: (key) =>
      use(
        (s) => s.removeItem(key),
        () => void memory.delete(key),
      ),
    keys: () =>
      use(
        (s) => Array.from({ length: s.length }, (_, i) => s.key(i)).filter((k) => k !== null),
        () => [...memory.keys()],
      ),
  }
}
