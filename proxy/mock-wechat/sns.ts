import express from 'express'
import type { Request, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import { answerApiCall, wechatError } from './respond.js'
import type { WechatBody } from './respond.js'
import { CODE_LIFETIME_S, ACCESS_TOKEN_LIFETIME_S } from './state.js'
import type { Grant, MockState } from './state.js'
import { openidFor, unionidFor } from './users.js'

export interface SnsRouterOptions {
  state: MockState
  apps: readonly MockApp[]
}

/** The api.weixin.qq.com side: `/sns/...` endpoints, always 200 + text/plain JSON. */
export function createSnsRouter({ state, apps }: SnsRouterOptions): Router {
  const router = express.Router()

  router.get('/sns/oauth2/access_token', async (req, res) => {
    const query = queryOf(req)
    await answerApiCall(state, 'access_token', res, () => exchangeCode(state, apps, query))
  })

  return router
}

function exchangeCode(
  state: MockState,
  apps: readonly MockApp[],
  query: URLSearchParams,
): WechatBody {
  const appid = query.get('appid')
  const secret = query.get('secret')
  const code = query.get('code')
  if (!appid) return wechatError(41002, 'appid missing')
  const app = apps.find((candidate) => candidate.appid === appid)
  if (!app) return wechatError(40013, 'invalid appid')
  if (!secret) return wechatError(41004, 'appsecret missing')
  // The secret proves the caller is the app's own server; the code alone must never be enough.
  if (secret !== app.secret) return wechatError(40125, 'invalid appsecret')
  if (query.get('grant_type') !== 'authorization_code') {
    return wechatError(40002, 'invalid grant_type')
  }
  if (!code) return wechatError(41008, 'missing code')
  const issued = state.codes.get(code)
  // A code only works for the app it was issued to.
  if (!issued || issued.appid !== app.appid) return wechatError(40029, 'invalid code')
  // Single use: a second exchange (double callback, reload) must fail.
  if (issued.used) return wechatError(40163, 'code been used')
  if (state.now() - issued.issuedAt > CODE_LIFETIME_S[app.kind] * 1000) {
    return wechatError(42003, 'code expired')
  }
  issued.used = true
  return tokenBody(app, state.issueGrant(app.appid, issued.userId, issued.scope))
}

/** The success shape shared by access_token and (later) refresh_token. */
export function tokenBody(app: MockApp, grant: Grant): WechatBody {
  const body: WechatBody = {
    access_token: grant.accessToken,
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    refresh_token: grant.refreshToken,
    openid: openidFor(app.appid, grant.userId),
    scope: grant.scope,
  }
  // WECHAT.md: unionid only for bound apps, and for an official account only with snsapi_userinfo.
  if (app.unionBound && (app.kind === 'web' || grant.scope === 'snsapi_userinfo')) {
    body.unionid = unionidFor(grant.userId)
  }
  return body
}

function queryOf(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?')
  return new URLSearchParams(at === -1 ? '' : req.originalUrl.slice(at + 1))
}
