import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import { ProxyError } from '../errors.js'
import { signSession } from '../session.js'
import { credentialsOf } from '../tokens.js'
import { parseOpenidRequest } from '../validate.js'
import type { RouteContext } from './context.js'

/** Larger bodies are refused before parsing: a real request is well under 1 KB. */
export const MAX_BODY = '1kb'

/** `POST /openid`: exchanges a code; WeChat's tokens go to the store, the browser gets a session. */
export function mountOpenidRoute(router: Router, ctx: RouteContext): void {
  const { config, custody, logger, now } = ctx

  router.post(
    '/openid',
    requireJson,
    express.json({ limit: MAX_BODY, strict: true }),
    async (req, res) => {
      const started = now()
      const request = parseOpenidRequest(req.body, config)
      const app = credentialsOf(config, request.app)
      // parseOpenidRequest already refuses "web" when it is not configured; kept for the type.
      if (!app) throw new ProxyError('invalid_request', `app "${request.app}" is not configured`)
      try {
        const tokens = await ctx.wechat.exchangeCode(app.credentials, request.code, app.settings)
        // WeChat's tokens stop here: the browser only ever gets our own session.
        const grant = await custody.keepExchange(request.app, tokens)
        const session = await signSession(
          { openid: tokens.openid, app: request.app, ...grant },
          config.sessionSecret,
          config.sessionTtlSeconds,
          now(),
        )
        logger.info(
          {
            route: 'openid',
            app: request.app,
            outcome: 'ok',
            scope: grant.scope,
            snapshotUser: grant.snapshotUser,
            ms: now() - started,
          },
          'code exchanged',
        )
        res.json({
          openid: tokens.openid,
          ...(grant.unionid !== undefined ? { unionid: grant.unionid } : {}),
          scope: grant.scope,
          snapshotUser: grant.snapshotUser,
          session: session.token,
          sessionExpiresAt: session.expiresAt.toISOString(),
        })
      } catch (error) {
        if (error instanceof ProxyError) {
          logger.warn(
            {
              route: 'openid',
              app: request.app,
              outcome: error.code,
              errcode: error.errcode,
              ms: now() - started,
            },
            'code exchange failed',
          )
        }
        throw error
      }
    },
  )
}

/** Only JSON is accepted, so a cross-site HTML form cannot post to us without a CORS preflight. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  // `req.is` is null when there is no body at all (not even Content-Length: 0): validation then
  // names what is missing.
  if (req.is('application/json') === false) {
    next(
      new ProxyError('invalid_request', 'Content-Type must be application/json', { status: 415 }),
    )
    return
  }
  next()
}
