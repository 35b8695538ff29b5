import type { Logger } from 'pino'
import { appCredentials } from '../config.js'
import type { ProxyConfig } from '../config.js'
import { isRefreshable } from '../wechat/errcodes.js'
import { ProxyError } from '../errors.js'
import type { WechatApp } from './session.js'
import type { Store, StoredTokens } from '../store/index.js'
import type { WechatApi, WechatTokenResponse } from '../wechat/api.js'

/** refresh_token lives 30 days (docs/wechat.md#lifetimes): the stored tokens are useless after that. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600
/** An access_token this close to its known expiry is refreshed before use (clock skew, latency). */
const EXPIRY_MARGIN_MS = 60_000

/** What a session may say about the user's grant after a code exchange. */
export interface Grant {
  scope: string
  unionid?: string
  snapshotUser: boolean
}

/**
 * Custody of WeChat's tokens: they are stored per app and openid, refreshed when expired, forgotten
 * when WeChat refuses them, and never handed out.
 */
export interface TokenCustody {
  /** Stores the tokens of a code exchange (never downgrading a userinfo grant); the session's grant. */
  keepExchange(app: WechatApp, tokens: WechatTokenResponse): Promise<Grant>
  /**
   * Runs `use` with a valid access_token: an expired one is refreshed first, and a token WeChat refuses
   * (40001, 40014, 42001) is refreshed once and `use` retried once. `reauth_required` when no tokens are
   * kept, WeChat refuses the refresh, or the refusal persists.
   */
  withAccessToken<T>(
    app: WechatApp,
    openid: string,
    use: (tokens: StoredTokens) => Promise<T>,
    options?: { needsUserinfoScope?: boolean },
  ): Promise<T>
  forget(app: WechatApp, openid: string): Promise<void>
}

export interface TokenCustodyDeps {
  config: Pick<ProxyConfig, 'mp' | 'web'>
  /** Already wrapped with `reachable`: failures are `upstream_unavailable`. */
  store: Store
  wechat: WechatApi
  logger: Logger
  now: () => number
}

function reauth(message: string): ProxyError {
  return new ProxyError('reauth_required', message)
}

export function createTokenCustody(deps: TokenCustodyDeps): TokenCustody {
  const { config, store, wechat, logger, now } = deps
  /** Refreshes in progress, per app + openid: concurrent requests share one call to WeChat. */
  const refreshing = new Map<string, Promise<StoredTokens>>()

  async function save(app: WechatApp, openid: string, tokens: StoredTokens): Promise<void> {
    const ttlSeconds = Math.ceil((tokens.refreshExpiresAt - now()) / 1000)
    if (ttlSeconds <= 0) await store.deleteTokens(app, openid)
    else await store.saveTokens(app, openid, tokens, ttlSeconds)
  }

  function refresh(app: WechatApp, openid: string, stale: StoredTokens): Promise<StoredTokens> {
    const id = `${app}\u0000${openid}`
    const running = refreshing.get(id)
    if (running) return running
    const promise = refreshNow(app, openid, stale).finally(() => refreshing.delete(id))
    refreshing.set(id, promise)
    return promise
  }

  async function refreshNow(
    app: WechatApp,
    openid: string,
    stale: StoredTokens,
  ): Promise<StoredTokens> {
    const current = await store.getTokens(app, openid)
    if (!current) throw reauth('No WeChat grant is kept for this user; authorize again')
    // Another request refreshed (or the user signed in again) since `stale` was read: use that, so a
    // burst of requests after expiry costs one refresh, not one each.
    if (
      current.accessToken !== stale.accessToken ||
      current.accessExpiresAt !== stale.accessExpiresAt
    ) {
      return current
    }
    const credentials = appCredentials(config, app)
    if (!credentials) {
      await store.deleteTokens(app, openid)
      throw reauth(`The ${app} app is no longer configured; authorize again`)
    }
    let fresh: WechatTokenResponse
    try {
      fresh = await wechat.refreshToken(
        credentials.credentials.appid,
        current.refreshToken,
        credentials.settings,
      )
    } catch (error) {
      // 40030 / 42002: the refresh_token is dead, so are the tokens; only a new consent helps.
      if (error instanceof ProxyError && error.code === 'reauth_required') {
        await store.deleteTokens(app, openid)
        logger.info({ app, outcome: 'refresh_refused', errcode: error.errcode }, 'tokens forgotten')
      }
      throw error
    }
    // The answer must be about the user we asked for; anything else is not a refresh we can trust.
    if (fresh.openid !== openid) {
      throw new ProxyError('upstream_error', 'WeChat refreshed the tokens of another user')
    }
    const next: StoredTokens = {
      // refreshExpiresAt stays: a refresh_token lives 30 days from the original grant, not from now.
      ...current,
      accessToken: fresh.access_token,
      refreshToken: fresh.refresh_token,
      scope: fresh.scope || current.scope,
      accessExpiresAt: now() + fresh.expires_in * 1000,
      ...(fresh.unionid !== undefined ? { unionid: fresh.unionid } : {}),
    }
    await save(app, openid, next)
    logger.info({ app, outcome: 'refreshed' }, 'access token refreshed')
    return next
  }

  /** A token WeChat still refuses right after a refresh is dead: forget it; the user must authorize. */
  async function refusedAfterRefresh(
    app: WechatApp,
    openid: string,
    error: unknown,
  ): Promise<unknown> {
    await store.deleteTokens(app, openid)
    return error
  }

  return {
    async keepExchange(app, tokens) {
      const issued = now()
      const snapshotUser = tokens.is_snapshotuser === 1
      // Never downgrade: a silent login does not replace a consented grant that still works, or the
      // next profile call would need the consent page again. The store decides in one step, so two
      // instances signing the same user in at once cannot undo each other's consent.
      const kept = await store.keepExchangeTokens(
        app,
        tokens.openid,
        {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          scope: tokens.scope,
          accessExpiresAt: issued + tokens.expires_in * 1000,
          refreshExpiresAt: issued + REFRESH_TOKEN_TTL_SECONDS * 1000,
          ...(tokens.unionid !== undefined ? { unionid: tokens.unionid } : {}),
          ...(snapshotUser ? { snapshotUser } : {}),
        },
        REFRESH_TOKEN_TTL_SECONDS,
        issued,
      )
      return {
        scope: kept.scope,
        snapshotUser,
        ...(kept.unionid !== undefined ? { unionid: kept.unionid } : {}),
      }
    },

    async withAccessToken(app, openid, use, options = {}) {
      let tokens = await store.getTokens(app, openid)
      if (!tokens) throw reauth('No WeChat grant is kept for this user; authorize again')
      // WeChat answers 48001 to /sns/userinfo with a snsapi_base token: no call can succeed, so none
      // is made; the user needs the consent page. A website login (snsapi_login) includes the profile.
      if (options.needsUserinfoScope && tokens.scope === 'snsapi_base') {
        throw reauth('This needs the snsapi_userinfo scope; authorize with consent')
      }
      // One refresh per request at most: either for the known expiry or after WeChat's refusal.
      const knownExpired = tokens.accessExpiresAt - EXPIRY_MARGIN_MS <= now()
      if (knownExpired) tokens = await refresh(app, openid, tokens)
      try {
        return await use(tokens)
      } catch (error) {
        if (!isRefreshable(error)) throw error
        if (knownExpired) throw await refusedAfterRefresh(app, openid, error)
      }
      tokens = await refresh(app, openid, tokens)
      try {
        return await use(tokens)
      } catch (error) {
        if (isRefreshable(error)) throw await refusedAfterRefresh(app, openid, error)
        throw error
      }
    },

    async forget(app, openid) {
      await store.deleteTokens(app, openid)
    },
  }
}
