import type { Request, Response } from 'express'
import type { Store as RateLimitStore } from 'express-rate-limit'
import type { ProxyConfig } from '../config.js'
import type { SessionClaims } from '../login/session.js'
import { limitCheck, prefixed } from './rate-limit.js'

/**
 * Lets a session's call through to WeChat, or rejects with `ProxyError('rate_limited')` (429, with
 * `Retry-After`) before anything is sent upstream.
 */
export type WechatCallLimit = (req: Request, res: Response, claims: SessionClaims) => Promise<void>

/**
 * The bound on the routes that reach WeChat with a user's tokens (`GET /userinfo`, and `GET
 * /session` with SESSION_CHECK_WECHAT): WeChat's quotas are per app, so one script must not spend
 * everyone's. Two counters (in express-rate-limit stores), both over a minute and both only for
 * calls that would reach WeChat (an answer reused from the session's cache costs WeChat nothing and
 * is not counted):
 *
 * - per client IP, RATE_LIMIT (generous because of carrier-grade NAT), counted apart from `/openid`'s
 *   and `/jssdk`'s under `wechat:`: a script with many sessions still has one budget;
 * - per session, SESSION_RATE_LIMIT (small: a person's page needs a few), under `session:` and the
 *   session's id: one session cannot use up its address's budget, which it shares with its neighbours.
 *
 * `store` keeps the counters (Redis when REDIS_URL is set: every instance counts together).
 */
export function wechatCallLimit(
  config: Pick<ProxyConfig, 'rateLimit' | 'sessionRateLimit'>,
  store?: RateLimitStore,
): WechatCallLimit {
  const perClient = limitCheck({
    limit: config.rateLimit,
    store: store && prefixed(store, 'wechat:'),
    message: 'Too many WeChat lookups from this address; wait',
    headersWhenAllowed: false,
  })
  const perSession = limitCheck({
    limit: config.sessionRateLimit,
    store: store && prefixed(store, 'session:'),
    message: 'Too many WeChat lookups for this session; wait',
    headersWhenAllowed: false,
  })
  return async (req, res, claims) => {
    // The session's own limit first: a call it refuses must not use up the budget its address
    // shares with its neighbours (carrier NAT), or one script could lock them all out. Keyed by the
    // id of a session whose signature was checked: a forged token never gets this far.
    await perSession(req, res, claims.id)
    await perClient(req, res)
  }
}
