import type { SessionResponse, WechatSessionScope } from '../../../client/wire.js'
import type { Request, Response, Router } from 'express'
import type { SessionClaims } from '../../login/session.js'
import { authenticate } from './context.js'
import type { RouteContext } from './context.js'

/** `GET /session` and `POST /logout`. */
export function mountSessionRoutes(router: Router, ctx: RouteContext): void {
  const answer = (res: Response, claims: SessionClaims) => {
    const body: SessionResponse = {
      openid: claims.openid,
      ...(claims.unionid !== undefined ? { unionid: claims.unionid } : {}),
      scope: claims.scope as WechatSessionScope,
      expiresAt: claims.expiresAt.toISOString(),
    }
    ctx.respond.json(res, 200, body)
  }
  // SESSION_CHECK_WECHAT=1 also asks WeChat whether the grant behind the session still stands: a user
  // who withdrew the app's authorization is sent back through it. WeChat's yes is reused for
  // WECHAT_CACHE_SECONDS (so a withdrawal is noticed that much later at most), and a call that would
  // reach WeChat counts against the per-client and per-session limits first.
  const checkGrant = ctx.config.sessionCheckWechat
    ? (req: Request, res: Response, claims: SessionClaims) =>
        ctx.answers.through(claims, 'auth', async () => {
          await ctx.limitWechatCall(req, res, claims)
          await ctx.custody.withAccessToken(claims.app, claims.openid, (tokens) =>
            ctx.wechat.checkToken(tokens.accessToken, claims.openid),
          )
          return true
        })
    : undefined
  const answerLater = async (
    req: Request,
    res: Response,
    pending: Promise<SessionClaims> | SessionClaims,
  ) => {
    const claims = await pending
    await checkGrant?.(req, res, claims)
    answer(res, claims)
  }
  // The most frequent call of all: with a store that answers synchronously and no WeChat check, it is
  // answered within the request's own event, before Node has even finished reading the request.
  router.get('/session', (req, res) => {
    const claims = authenticate(req, ctx)
    if (claims instanceof Promise || checkGrant) return answerLater(req, res, claims)
    answer(res, claims)
  })

  router.post('/logout', async (req, res) => {
    const claims = await authenticate(req, ctx)
    // Revoked first: if forgetting the tokens failed, the session must already be dead. The entry
    // lasts as long as the JWT itself could be used.
    await ctx.store.revokeSession(claims.id, claims.expiresAt.getTime())
    await ctx.custody.forget(claims.app, claims.openid)
    ctx.answers.forget(claims.id)
    ctx.logger.info({ route: 'logout', app: claims.app, outcome: 'ok' }, 'signed out')
    ctx.respond.empty(res, 204)
  })
}
