import express from 'express'
import type { Request, Router } from 'express'
import { rawQueryOf } from './authorize.js'
import { callerIp, ipNotWhitelisted, isWhitelisted } from './caller-ip.js'
import type { MockApp } from './demo-apps.js'
import { answerApiCall, wechatError } from './respond.js'
import type { WechatBody } from './respond.js'
import type { MockState } from './state.js'

export interface CgiRouterOptions {
  state: MockState
  apps: readonly MockApp[]
}

/**
 * The api.weixin.qq.com side of the JS-SDK (docs/wechat.md#basic-access-token,
 * docs/wechat.md#jsapi_ticket): `GET /cgi-bin/token`, `POST /cgi-bin/stable_token`,
 * `GET /cgi-bin/ticket/getticket`; always 200 + text/plain JSON (faults aside).
 */
export function createCgiRouter({ state, apps }: CgiRouterOptions): Router {
  const router = express.Router()
  const checkIp = (req: Request): WechatBody | undefined => {
    const ip = callerIp(req)
    return isWhitelisted(ip, state.basic.ipWhitelist) ? undefined : ipNotWhitelisted(ip)
  }

  router.get('/cgi-bin/token', async (req, res) => {
    const query = new URLSearchParams(rawQueryOf(req))
    await answerApiCall(state, 'token', res, () => {
      const app = appOf(apps, (name) => query.get(name) ?? undefined)
      if (!isApp(app)) return app
      const refused = checkIp(req)
      if (refused) return refused
      const token = state.basic.issueClassic(app.appid)
      if (!token) return wechatError(45009)
      return { access_token: token.value, expires_in: token.expiresIn }
    })
  })

  // WeChat reads the body as JSON whatever its Content-Type says.
  const rawBody = express.text({ type: () => true, limit: '16kb' })
  router.post('/cgi-bin/stable_token', rawBody, async (req, res) => {
    const body = jsonObjectOf(req.body)
    await answerApiCall(state, 'stable_token', res, () => {
      if (!body) return wechatError(47001)
      const app = appOf(apps, (name) => stringField(body, name))
      if (!isApp(app)) return app
      const force = body.force_refresh ?? false
      if (typeof force !== 'boolean') return wechatError(40097)
      const refused = checkIp(req)
      if (refused) return refused
      const token = state.basic.issueStable(app.appid, force)
      if (!token) return wechatError(45009)
      return { access_token: token.value, expires_in: token.expiresIn }
    })
  })

  router.get('/cgi-bin/ticket/getticket', async (req, res) => {
    const query = new URLSearchParams(rawQueryOf(req))
    await answerApiCall(state, 'ticket', res, () => {
      const accessToken = query.get('access_token')
      if (!accessToken) return wechatError(41001)
      const check = state.basic.checkToken(accessToken)
      if (!check.ok) return wechatError(check.errcode)
      const refused = checkIp(req)
      if (refused) return refused
      // Only the JS-SDK's ticket is modelled (WeChat also knows `wx_card`).
      if (query.get('type') !== 'jsapi') return wechatError(40097)
      const ticket = state.basic.ticketFor(check.appid)
      if (!ticket) return wechatError(45009)
      return { errcode: 0, errmsg: 'ok', ticket: ticket.value, expires_in: ticket.expiresIn }
    })
  })

  return router
}

/**
 * The official account a client_credential request speaks for, or WeChat's error: checked in the
 * order of the code exchange (appid, secret, grant_type). Only official accounts have a basic
 * access_token here: a website app's appid is 40013.
 */
function appOf(
  apps: readonly MockApp[],
  get: (name: string) => string | undefined,
): MockApp | WechatBody {
  const appid = get('appid')
  const secret = get('secret')
  if (!appid) return wechatError(41002)
  const app = apps.find((candidate) => candidate.appid === appid && candidate.kind === 'mp')
  if (!app) return wechatError(40013)
  if (!secret) return wechatError(41004)
  // The secret is what makes this the app's own server: never issue a token without it.
  if (secret !== app.secret) return wechatError(40125)
  if (get('grant_type') !== 'client_credential') return wechatError(40002)
  return app
}

function isApp(value: MockApp | WechatBody): value is MockApp {
  return !('errcode' in value)
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  return typeof value === 'string' ? value : undefined
}

function jsonObjectOf(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return value as Record<string, unknown>
  } catch {
    return undefined
  }
}
