import express from 'express'
import type { Request, Response, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import { checkAuthorize, withCallbackParams } from './params.js'
import type { AuthorizeRequest } from './params.js'
import { consentPage, errorPage, outsideWechatPage } from './pages.js'
import type { MockState } from './state.js'
import { TEST_USERS, findUser } from './users.js'
import type { TestUser } from './users.js'

export const UA_COOKIE = 'mock_wechat_ua'
export const USER_COOKIE = 'mock_wechat_user'
export const COOKIE_OPTIONS = { path: '/', sameSite: 'lax', httpOnly: true } as const

/** What the mock's page routers (oauth2/authorize, qrconnect) share. */
export interface AuthorizeRouterOptions {
  state: MockState
  apps: readonly MockApp[]
  domains: readonly string[]
}

/** The pages WeChat serves on open.weixin.qq.com for official accounts. */
export function createAuthorizeRouter({ state, apps, domains }: AuthorizeRouterOptions): Router {
  const router = express.Router()

  router.get('/connect/oauth2/authorize', (req, res) => {
    state.authorizeCalls += 1
    const rawQuery = rawQueryOf(req)
    if (!insideWechat(req)) {
      const next = `${req.baseUrl}/connect/oauth2/authorize?${rawQuery}`
      const href = `${req.baseUrl}/__mock/continue-as-wechat?next=${encodeURIComponent(next)}`
      return sendPage(res, outsideWechatPage(href))
    }
    const query = new URLSearchParams(rawQuery)
    const check = checkAuthorize((name) => query.get(name) ?? undefined, apps, domains, rawQuery)
    if (!check.ok) return sendPage(res, errorPage(check.error.errcode, check.error.message))

    const { request } = check
    const user = currentUser(req)
    const snapshot =
      request.scope === 'snsapi_userinfo' && (request.forceSnapshot || state.snapshotNext)
    if (request.scope === 'snsapi_base' || snapshot) {
      // Silent authorization: no page at all, straight back with a code. A snapshot visit too
      // (docs/wechat.md#snapshot-pages, only ever for snsapi_userinfo): WeChat shows its
      // browse-only snapshot page, not the consent sheet, and the page gets a code at once (it
      // then exchanges to the snapshot identity).
      // forceSnapShot leaves an armed control flag for a later visit; the armed flag is spent.
      const forced = snapshot && request.forceSnapshot ? true : undefined
      return res.redirect(302, callbackWithCode(state, request, user, forced))
    }
    const params: Record<string, string> = {
      appid: request.app.appid,
      redirect_uri: request.redirectUri,
      response_type: 'code',
      scope: request.scope,
      state: request.state,
    }
    if (request.connectRedirect) params.connect_redirect = '1'
    return sendPage(
      res,
      consentPage({
        action: `${req.baseUrl}/connect/oauth2/authorize/confirm`,
        appName: request.app.name ?? request.app.appid,
        params,
        users: TEST_USERS,
        currentUserId: user.id,
        mockBase: req.baseUrl,
      }),
    )
  })

  router.post(
    '/connect/oauth2/authorize/confirm',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res) => {
      const get = formFields(req)
      if (!insideWechat(req))
        return sendPage(res, errorPage('outside-wechat', '请在微信客户端打开链接'))
      // The form travels through the browser, so its fields are re-checked like a new request.
      const check = checkAuthorize(get, apps, domains)
      if (!check.ok) return sendPage(res, errorPage(check.error.errcode, check.error.message))
      const { request } = check
      const decision = get('decision')
      if (decision === 'deny') {
        return res.redirect(302, withCallbackParams(request.redirectUri, request.state))
      }
      if (decision !== 'allow') return sendPage(res, errorPage('bad-decision', '该链接无法访问'))
      const user = findUser(get('user')) ?? currentUser(req)
      res.cookie(USER_COOKIE, user.id, COOKIE_OPTIONS)
      return res.redirect(302, callbackWithCode(state, request, user))
    },
  )

  // Local-development escape from "open this in WeChat": remember "act as WeChat" and go back.
  router.get('/__mock/continue-as-wechat', (req, res) => {
    const next = typeof req.query.next === 'string' ? req.query.next : ''
    // Only back to this mock's own authorize page: never an open redirect.
    const allowed = next.startsWith(`${req.baseUrl}/connect/oauth2/authorize?`)
    if (!allowed) return sendPage(res, errorPage('bad-next', '该链接无法访问'))
    res.cookie(UA_COOKIE, '1', COOKIE_OPTIONS)
    return res.redirect(302, next)
  })

  return router
}

/**
 * Issues a code and builds the callback URL. Under a `drop-callback` fault the code is still
 * issued (WeChat did its part) but the URL is the bare redirect_uri, as if something between
 * WeChat and the app lost the code and state.
 */
function callbackWithCode(
  state: MockState,
  request: AuthorizeRequest,
  user: TestUser,
  snapshot?: boolean,
): string {
  const code = state.issueCode(request.app.appid, user.id, request.scope, snapshot)
  if (state.takePageFault('authorize')?.mode === 'drop-callback') return request.redirectUri
  return withCallbackParams(request.redirectUri, request.state, code)
}

function sendPage(res: Response, html: string): void {
  // WeChat shows its error pages with 200: the browser stays on open.weixin.qq.com.
  res.status(200).type('html').set('Cache-Control', 'no-store').send(html)
}

export function rawQueryOf(req: Request): string {
  const at = req.originalUrl.indexOf('?')
  return at === -1 ? '' : req.originalUrl.slice(at + 1)
}

function insideWechat(req: Request): boolean {
  if ((req.get('user-agent') ?? '').includes('MicroMessenger')) return true
  return readCookie(req, UA_COOKIE) === '1'
}

/** The test user the mock's phone belongs to: the one picked last (cookie), else the first. */
export function currentUser(req: Request): TestUser {
  const fallback = TEST_USERS[0]
  if (!fallback) throw new Error('mock WeChat has no test users')
  return findUser(readCookie(req, USER_COOKIE)) ?? fallback
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue
    try {
      return decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Reads the confirm form's fields (`express.urlencoded`): a string value, else undefined. */
export function formFields(req: Request): (name: string) => string | undefined {
  const body: unknown = req.body
  return (name) => {
    const value = isRecord(body) ? body[name] : undefined
    return typeof value === 'string' ? value : undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
