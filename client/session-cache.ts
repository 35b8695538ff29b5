import type { WechatScope } from './authorize-url'
import type { SafeStorage } from './safe-storage'

/** What the kit keeps in localStorage after a login (one entry per appid). */
export interface CachedSession {
  v: 1
  appid: string
  openid: string
  unionid?: string
  scope: WechatScope
  app: 'mp' | 'web'
  /** The proxy's session JWT. */
  session: string
  /** When the session JWT expires, in ms since the epoch. */
  expiresAt: number
  /** A snapshot-page (快照页) identity: virtual, to be treated as a guest. */
  snapshotUser?: boolean
}

export interface SessionCache {
  load(): CachedSession | undefined
  save(session: CachedSession): void
  clear(): void
}

const isOptional = (value: unknown, type: string): boolean =>
  value === undefined || typeof value === type

function isCachedSession(value: unknown, appid: string): value is CachedSession {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    v.v === 1 &&
    // An openid belongs to one appid: never reuse another app's identity.
    v.appid === appid &&
    typeof v.openid === 'string' &&
    v.openid !== '' &&
    isOptional(v.unionid, 'string') &&
    (v.scope === 'snsapi_base' || v.scope === 'snsapi_userinfo') &&
    (v.app === 'mp' || v.app === 'web') &&
    typeof v.session === 'string' &&
    typeof v.expiresAt === 'number' &&
    isOptional(v.snapshotUser, 'boolean')
  )
}

/** The session cache for one appid. Anything unreadable, foreign or expired is removed and ignored. */
export function createSessionCache({
  storage,
  appid,
  now = Date.now,
}: {
  storage: SafeStorage
  appid: string
  now?: () => number
}): SessionCache {
  const key = `wechat-h5-auth:v1:session:${appid}`
  const clear = (): void => storage.removeItem(key)

  return {
    load() {
      const raw = storage.getItem(key)
      if (raw === null) return undefined
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch {
        value = undefined
      }
      if (isCachedSession(value, appid) && value.expiresAt > now()) return value
      clear()
      return undefined
    },
    save(session) {
      storage.setItem(key, JSON.stringify(session))
    },
    clear,
  }
}
