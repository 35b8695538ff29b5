import type { Request } from 'express'
import type { Logger } from 'pino'
import type { ProxyConfig } from '../../config.js'
import { ProxyError } from '../../errors.js'
import type { Responder } from '../respond.js'
import type { SessionAnswers } from '../session-answers.js'
import type { WechatCallLimit } from '../wechat-calls.js'
import type { CodeExchange } from '../../login/exchange.js'
import type { SessionClaims } from '../../login/session.js'
import type { SessionSigner } from '../../login/session-keys.js'
import type { Store } from '../../store/index.js'
import type { TokenCustody } from '../../login/tokens.js'
import { bearerToken } from '../validate.js'
import type { WechatApi } from '../../wechat/api.js'
import type { BasicCredentials } from '../../wechat/basic-credentials.js'

/** What every route handler works with; built once per proxy by createWechatProxy. */
export interface RouteContext {
  config: ProxyConfig
  /** Wrapped with `reachable`: a failing backend is `upstream_unavailable`. */
  store: Store
  custody: TokenCustody
  /** One WeChat exchange per code, bound to the browser that sent it. */
  exchange: CodeExchange
  wechat: WechatApi
  /** The official account's basic access_token and jsapi_ticket, shared by every instance. */
  basic: BasicCredentials
  logger: Logger
  now: () => number
  /** Every answer goes out through it, with the API headers. */
  respond: Responder
  /** Awaited before a session's call reaches WeChat (`/userinfo`, `/session`'s check). */
  limitWechatCall: WechatCallLimit
  /** WeChat's recent answers per session, reused for WECHAT_CACHE_SECONDS. */
  answers: SessionAnswers
  /** Signs and verifies sessions: HS256 with SESSION_SECRET, or the keys of SESSION_JWKS_FILE. */
  sessions: SessionSigner
}

/**
 * The session of an `Authorization: Bearer` request. A logged-out session is still a well-signed,
 * unexpired JWT: only the revocation list refuses it, so it is checked on every authenticated call,
 * whatever signed the session. Synchronous when the signature is HS256 and the store answers
 * synchronously (the memory store), a promise otherwise.
 */
export function authenticate(
  req: Request,
  ctx: RouteContext,
): SessionClaims | Promise<SessionClaims> {
  const token = bearerToken(req.headers.authorization)
  const verified = ctx.sessions.verify(token, ctx.now())
  return verified instanceof Promise
    ? verified.then((claims) => notRevoked(claims, ctx))
    : notRevoked(verified, ctx)
}

function notRevoked(
  claims: SessionClaims,
  ctx: RouteContext,
): SessionClaims | Promise<SessionClaims> {
  const revoked = ctx.store.isSessionRevoked(claims.id)
  return typeof revoked === 'boolean'
    ? unlessRevoked(claims, revoked)
    : revoked.then((answer) => unlessRevoked(claims, answer))
}

function unlessRevoked(claims: SessionClaims, revoked: boolean): SessionClaims {
  if (revoked) throw new ProxyError('unauthorized', 'The session is missing, invalid or expired')
  return claims
}
