import type { OpenidResponse, WechatSessionScope } from '../../../client/wire.js'
import type { RequestHandler, Router } from 'express'
import { ProxyError } from '../../errors.js'
import type { ExchangeAnswer } from '../../login/exchange.js'
import { jsonBody, parseOpenidRequest } from '../validate.js'
import type { OpenidRequest } from '../validate.js'
import type { RouteContext } from './context.js'

/** Larger bodies are refused before parsing: a real request is well under 1 KB. */
export const MAX_BODY = '1kb'

/**
 * `POST /openid`: exchanges a code, once per code (see exchange.ts); WeChat's tokens go to the store,
 * the browser gets a session. `limit` is the per-IP rate limit, run before the body is even read.
 */
export function mountOpenidRoute(router: Router, ctx: RouteContext, limit: RequestHandler): void {
  const { config, logger, now } = ctx

  /** The WeChat exchange itself; resolves to the JSON answer. */
  async function exchange(request: OpenidRequest): Promise<OpenidResponse> {
    const { credentials, settings } = request.credentials
    const tokens = await ctx.wechat.exchangeCode(credentials, request.code, settings)
    // WeChat's tokens stop here: the browser only ever gets our own session.
    const grant = await ctx.custody.keepExchange(request.app, tokens)
    const session = await ctx.sessions.sign(
      { openid: tokens.openid, app: request.app, ...grant },
      config.sessionTtlSeconds,
      now(),
    )
    return {
      openid: tokens.openid,
      ...(grant.unionid !== undefined ? { unionid: grant.unionid } : {}),
      // The scope WeChat granted, as it named it (one of the session scopes).
      scope: grant.scope as WechatSessionScope,
      snapshotUser: grant.snapshotUser,
      session: session.token,
      sessionExpiresAt: session.expiresAt.toISOString(),
    }
  }

  router.post('/openid', limit, ...jsonBody(MAX_BODY), async (req, res) => {
    const started = now()
    const request = parseOpenidRequest(req.body, config)
    const log = (fields: Record<string, unknown>, message: string) =>
      logger[fields.outcome === 'ok' ? 'info' : 'warn'](
        { route: 'openid', app: request.app, ...fields, ms: now() - started },
        message,
      )
    let result: ExchangeAnswer
    try {
      result = await ctx.exchange(request, () => exchange(request))
    } catch (error) {
      if (error instanceof ProxyError) {
        log({ outcome: error.code, errcode: error.errcode }, 'code exchange failed')
      }
      throw error
    }
    const { outcome, source, error } = result
    log(
      { outcome: error?.code ?? 'ok', errcode: error?.errcode, source },
      error ? 'code exchange failed' : 'code exchanged',
    )
    // The same bytes for every answer about this code: a replay cannot tell itself from the first.
    ctx.respond.jsonText(res, outcome.status, outcome.body)
  })
}
