import express from 'express'
import type { Request, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import { answerApiCall, wechatError } from './respond.js'
import type { WechatBody } from './respond.js'
import { tokenBody } from './grants.js'
import { CODE_LIFETIME_S } from './state.js'
import type { MockState } from './state.js'
import { checkGrant, userinfoBody } from './sns-userinfo.js'

export interface SnsRouterOptions {
  state: MockState
  apps: readonly MockApp[]
}

/**
 * The api.weixin.qq.com side: `/sns/oauth2/access_token`, `/sns/oauth2/refresh_token`,
 * `/sns/userinfo`, `/sns/auth`; always 200 + text/plain JSON (faults aside).
 */
export function createSnsRouter({ state, apps }: SnsRouterOptions): Router {
  const router = express.Router()

  router.get('/sns/oauth2/access_token', async (req, res) => {
    const query = queryOf(req)
    await answerApiCall(state, 'access_token', res, () => exchangeCode(state, apps, query))
  })

  router.get('/sns/oauth2/refresh_token', async (req, res) => {
    const query = queryOf(req)
    await answerApiCall(state, 'refresh_token', res, () => refresh(state, apps, query))
  })

  router.get('/sns/userinfo', async (req, res) => {
    const query = queryOf(req)
    // headimgurl must be absolute, like WeChat's: it points back at this mock's own avatars.
    // The Host header is echoed on purpose: whoever reached the mock can reach its avatars too.
    const mockBase = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${req.baseUrl}`
    await answerApiCall(state, 'userinfo', res, () => userinfoBody(state, apps, query, mockBase))
  })

  router.get('/sns/auth', async (req, res) => {
    const query = queryOf(req)
    await answerApiCall(state, 'auth', res, () => {
      const check = checkGrant(state, query)
      return check.ok ? { errcode: 0, errmsg: 'ok' } : check.error
    })
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
  if (!appid) return wechatError(41002)
  const app = apps.find((candidate) => candidate.appid === appid)
  if (!app) return wechatError(40013)
  if (!secret) return wechatError(41004)
  // The secret proves the caller is the app's own server; the code alone must never be enough.
  if (secret !== app.secret) return wechatError(40125)
  if (query.get('grant_type') !== 'authorization_code') {
    return wechatError(40002)
  }
  if (!code) return wechatError(41008)
  const issued = state.codes.get(code)
  // A code only works for the app it was issued to.
  if (!issued || issued.appid !== app.appid) return wechatError(40029)
  // Single use: a second exchange (double callback, reload) must fail.
  if (issued.used) return wechatError(40163)
  if (state.now() - issued.issuedAt > CODE_LIFETIME_S[app.kind] * 1000) {
    return wechatError(42003)
  }
  issued.used = true
  const grant = state.issueGrant(app.appid, issued.userId, issued.scope, issued.snapshot)
  return tokenBody(state, app, grant)
}

function refresh(state: MockState, apps: readonly MockApp[], query: URLSearchParams): WechatBody {
  const appid = query.get('appid')
  const refreshToken = query.get('refresh_token')
  if (!appid) return wechatError(41002)
  const app = apps.find((candidate) => candidate.appid === appid)
  if (!app) return wechatError(40013)
  if (query.get('grant_type') !== 'refresh_token') return wechatError(40002)
  if (!refreshToken) return wechatError(41003)
  const grant = state.grantsByRefreshToken.get(refreshToken)
  // A refresh_token only works for the app it was issued to (no secret is sent, so this is all
  // that stops one app from using another's tokens).
  if (!grant || grant.appid !== app.appid) return wechatError(40030)
  // 30 days from the original consent, however often it was used: then the user must consent again.
  if (state.now() >= grant.refreshExpiresAt) return wechatError(42002)
  return tokenBody(state, app, state.refreshGrant(grant))
}

function queryOf(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?')
  return new URLSearchParams(at === -1 ? '' : req.originalUrl.slice(at + 1))
}
