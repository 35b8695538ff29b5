import type { WechatScope } from './authorize-url'
import { randomString } from './random'
import type { SafeStorage } from './safe-storage'

export interface PendingLogin {
  /** Travels through WeChat and the URL; compared exactly on return. */
  state: string
  /** Sent to the proxy with the code; never put in any URL, so a leaked callback URL is not enough. */
  verifier: string
  /** The router path the user asked for, restored after the login. */
  route: string
  scope: WechatScope
  createdAt: number
}

export interface PendingLogins {
  start(login: { route: string; scope: WechatScope }): PendingLogin
  take(state: string): PendingLogin | undefined
}

const KEY = 'wechat-h5-auth:v1:pending'
/** Longer than WeChat's 5-minute code lifetime plus a slow consent page, short enough to limit replay. */
export const PENDING_TTL_MS = 10 * 60 * 1000

/** Logins started in this tab and not yet completed, in sessionStorage (it survives the trip to WeChat). */
export function createPendingLogins({
  storage,
  now = Date.now,
}: {
  storage: SafeStorage
  now?: () => number
}): PendingLogins {
  // Every read drops expired and malformed entries, so they never pile up.
  function load(): PendingLogin[] {
    const list = storage.get(KEY)
    return Array.isArray(list)
      ? (list as Partial<PendingLogin>[]).filter(
          (p): p is PendingLogin => now() - (p?.createdAt ?? -Infinity) < PENDING_TTL_MS,
        )
      : []
  }

  return {
    start({ route, scope }) {
      // Independent values: state travels through WeChat and the URL, verifier never leaves the tab.
      const login = {
        state: randomString(),
        verifier: randomString(),
        route,
        scope,
        createdAt: now(),
      }
      storage.set(KEY, [...load(), login])
      return login
    },
    take(state) {
      const list = load()
      // CSRF check: only a state this tab saved, compared exactly, completes a login.
      const found = list.find((p) => p.state === state)
      // Single use: removed before it is returned, so a second callback with the same state fails.
      storage.set(
        KEY,
        list.filter((p) => p !== found),
      )
      return found
    },
  }
}
