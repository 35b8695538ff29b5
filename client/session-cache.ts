import type { SafeStorage } from './safe-storage'
import type { OpenidResponse, WechatApp, WechatSessionScope } from './wire'

/**
 * What the kit keeps in localStorage after a login: one entry per appid, under SESSION_PREFIX and
 * the appid, so the key says both the format's version and whose identity it is.
 */
export interface CachedSession {
  openid: string
  unionid?: string
  scope: WechatSessionScope
  app: WechatApp
  /** The proxy's session JWT. */
  session: string
  /** When the session JWT expires, in ms since the epoch (see sessionFromOpenid). */
  expiresAt: number
  /** A snapshot-page (快照页) identity: virtual, a guest; kept in memory only, never cached. */
  snapshotUser?: boolean
}

/**
 * The prefix of the cache's localStorage keys: the appid follows (an openid belongs to one appid, so
 * another app's identity is never read). A new format gets a new version here.
 */
export const SESSION_PREFIX = 'wechat-h5-auth:v1:session:'

/**
 * The session cached for `appid` in `storage` (a safeStorage with SESSION_PREFIX). Anything
 * unreadable or expired is removed and ignored.
 */
export function loadSession(
  storage: SafeStorage,
  appid: string,
  now: number,
): CachedSession | undefined {
  const v = storage.get(appid) as Partial<CachedSession> | null
  if (
    typeof v?.openid == 'string' &&
    typeof v.session == 'string' &&
    /^snsapi_(base|userinfo|login)$/.test(v.scope as string) &&
    v.expiresAt! > now &&
    // A snapshot identity is virtual: it must never come back as a signed-in user.
    !v.snapshotUser
  ) {
    return v as CachedSession
  }
  storage.remove(appid)
}

/**
 * The session a `POST /openid` answer of `app` makes, as the store and the cache keep it: the
 * answer's `sessionExpiresAt` (ISO 8601; `GET /session` calls the same instant `expiresAt`)
 * becomes `expiresAt` in ms since the epoch; the other fields are kept as the proxy sent them.
 */
export const sessionFromOpenid = (
  { sessionExpiresAt, ...answer }: OpenidResponse,
  app: WechatApp,
): CachedSession => ({ app, ...answer, expiresAt: Date.parse(sessionExpiresAt) })
