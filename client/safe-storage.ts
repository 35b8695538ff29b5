/** Web Storage holding JSON values under one key prefix. Never throws. */
export interface SafeStorage {
  /** The parsed value; null when missing or unreadable. */
  get(key: string): unknown
  /**
   * Truthy when the value only lives in this page's memory (no storage, or it refused the write):
   * it will not survive a page load, nor the trip to WeChat.
   */
  set(key: string, value: unknown): unknown
  remove(key: string): unknown
}

/**
 * A Web Storage (whose setItem answers undefined), or the in-memory stand-in (whose setItem answers
 * the JSON it kept: truthy for any JSON value).
 */
interface Backend {
  getItem(key: string): string | null | undefined
  setItem(key: string, json: string): unknown
  removeItem(key: string): unknown
}

/**
 * Wraps `get()` (e.g. `() => window.localStorage`) so that storage that is absent, forbidden
 * (SecurityError on access, private mode) or full (QuotaExceededError) degrades to an in-memory map
 * for the rest of the page's life instead of breaking the login. Losing persistence only costs a
 * silent re-login; an exception here would cost the page. Every key is stored as `prefix + key`.
 */
export function safeStorage(get: () => Storage | null | undefined, prefix: string): SafeStorage {
  const map: Record<string, string> = {}
  const memory: Backend = {
    getItem: (key) => map[key],
    setItem: (key, json) => (map[key] = json),
    removeItem: (key) => delete map[key],
  }
  let backend: Backend | null | undefined

  /** One storage call; the first that throws switches to memory for good and is made there. */
  function use(method: keyof Backend, key: string, json?: string) {
    try {
      return (backend ||= get() || memory)[method](prefix + key, json!)
    } catch {
      return (backend = memory)[method](prefix + key, json!)
    }
  }

  return {
    get(key) {
      try {
        // JSON.parse(null) is null; a missing key's undefined throws, and so does junk.
        return JSON.parse(use('getItem', key) as string)
      } catch {
        return null
      }
    },
    set: (key, value) => use('setItem', key, JSON.stringify(value)),
    remove: (key) => use('removeItem', key),
  }
}
