import type { WechatScope } from './authorize-url'
import { randomString } from './random'
import type { SafeStorage } from './safe-storage'

export interface PendingLogin {
  /** Sent to the proxy with the code; never put in any URL, so a leaked callback URL is not enough. */
  verifier: string
  /** The router path the user asked for, restored after the login. */
  route: string
  scope: WechatScope
}

export interface PendingLogins {
  start(login: { route: string; scope: WechatScope }): { state: string; verifier: string }
  take(state: string): PendingLogin | undefined
}

const PREFIX = 'wechat-h5-auth:v1:pending:'
/** Longer than WeChat's 5-minute code lifetime plus a slow consent page, short enough to limit replay. */
export const PENDING_TTL_MS = 10 * 60 * 1000

interface Saved extends PendingLogin {
  createdAt: number
}

function parse(raw: string | null): Saved | undefined {
  try {
    const value: unknown = raw === null ? undefined : JSON.parse(raw)
    if (typeof value !== 'object' || value === null) return undefined
    const v = value as Record<string, unknown>
    const ok =
      typeof v.verifier === 'string' &&
      typeof v.route === 'string' &&
      (v.scope === 'snsapi_base' || v.scope === 'snsapi_userinfo') &&
      typeof v.createdAt === 'number'
    return ok ? (v as unknown as Saved) : undefined
  } catch {
    return undefined
  }
}

/** Logins started in this tab and not yet completed, in sessionStorage (it survives the trip to WeChat). */
export function createPendingLogins({
  storage,
  now = Date.now,
}: {
  storage: SafeStorage
  now?: () => number
}): PendingLogins {
  const fresh = (saved: Saved | undefined): saved is Saved =>
    saved !== undefined && now() - saved.createdAt < PENDING_TTL_MS

  function sweep(): void {
    for (const key of storage.keys()) {
      if (key.startsWith(PREFIX) && !fresh(parse(storage.getItem(key)))) storage.removeItem(key)
    }
  }

  return {
    start({ route, scope }) {
      sweep()
      // Independent values: state travels through WeChat and the URL, verifier never leaves the tab.
      const state = randomString()
      const verifier = randomString()
      const saved: Saved = { verifier, route, scope, createdAt: now() }
      storage.setItem(PREFIX + state, JSON.stringify(saved))
      return { state, verifier }
    },
    take(state) {
      // CSRF check: only a state this tab saved, under exactly that key, completes a login.
      const key = PREFIX + state
      const saved = parse(storage.getItem(key))
      // Single use: removed before it is returned, so a second callback with the same state fails.
      storage.removeItem(key)
      sweep()
      if (!fresh(saved)) return undefined
      return { verifier: saved.verifier, route: saved.route, scope: saved.scope }
    },
  }
}
