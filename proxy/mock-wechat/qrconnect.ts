import { randomBytes } from 'node:crypto'
import express from 'express'
import type { Response, Router } from 'express'
import { COOKIE_OPTIONS, USER_COOKIE, currentUser, formFields, rawQueryOf } from './authorize.js'
import type { AuthorizeRouterOptions } from './authorize.js'
import type { AuthorizeError } from './params.js'
import { errorPage } from './pages.js'
import { qrconnectPage, topRedirectPage } from './qrconnect-page.js'
import { checkQrconnect, qrconnectParams, withQrconnectParams } from './qrconnect-params.js'
import type { QrconnectRequest } from './qrconnect-params.js'
import type { MockState } from './state.js'
import { TEST_USERS, findUser } from './users.js'
import type { TestUser } from './users.js'

/**
 * The open platform's website login (`/connect/qrconnect`, snsapi_login) for desktop browsers:
 * no WeChat user-agent check. The approve button stands in for "scan with the phone and confirm".
 *
 * - `GET /connect/qrconnect?appid&redirect_uri&scope=snsapi_login&state[&login_type=jssdk
 *   &self_redirect&style&href&stylelite&fast_login]` -> the QR page (or an error page, never a redirect)
 * - `POST /connect/qrconnect/confirm` (the page's form) -> 302 to the callback; in WxLogin's iframe
 *   without `self_redirect=true`, a page that navigates `window.top` instead; with
 *   `Accept: application/json` (the iframe's script) `{redirect, target: 'top' | 'self'}`.
 */
export function createQrconnectRouter({ state, apps, domains }: AuthorizeRouterOptions): Router {
  const router = express.Router()

  router.get('/connect/qrconnect', (req, res) => {
    state.qrconnectCalls += 1
    const query = new URLSearchParams(rawQueryOf(req))
    const check = checkQrconnect((name) => query.get(name) ?? undefined, apps, domains)
    if (!check.ok) return sendFramable(res, errorPage(check.error.errcode, check.error.message))
    const { request } = check
    const nonce = newNonce()
    const page = qrconnectPage({
      action: `${req.baseUrl}/connect/qrconnect/confirm`,
      appName: request.app.name ?? request.app.appid,
      params: qrconnectParams(request),
      display: request.display,
      qrSeed: `${request.app.appid}:${request.state}`,
      users: TEST_USERS,
      currentUserId: currentUser(req).id,
      mockBase: req.baseUrl,
      nonce,
    })
    return sendFramable(res, page, nonce, request.display.href)
  })

  router.post(
    '/connect/qrconnect/confirm',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res) => {
      const get = formFields(req)
      const wantsJson = req.accepts(['html', 'json']) === 'json'
      const refuse = (error: AuthorizeError): void => {
        if (wantsJson) res.status(400).json({ error })
        else sendFramable(res, errorPage(error.errcode, error.message))
      }
      // The form travels through the browser, so its fields are re-checked like a new request.
      const check = checkQrconnect(get, apps, domains)
      if (!check.ok) return refuse(check.error)
      const { request } = check
      const decision = get('decision')
      let url: string
      if (decision === 'deny') {
        // Real WeChat only resets the QR page when the phone cancels; the mock goes back with the
        // state alone, like an oauth2/authorize denial, so apps can show and test their denial path.
        url = withQrconnectParams(request.redirectUri, request.state)
      } else if (decision === 'allow') {
        const user = findUser(get('user')) ?? currentUser(req)
        res.cookie(USER_COOKIE, user.id, COOKIE_OPTIONS)
        url = callbackWithCode(state, request, user)
      } else {
        return refuse({ errcode: 'bad-decision', message: '该链接无法访问' })
      }
      const { embedded, selfRedirect } = request.display
      const target = embedded && !selfRedirect ? 'top' : 'self'
      if (wantsJson)
        return void res.set('Cache-Control', 'no-store').json({ redirect: url, target })
      if (target === 'self') return res.redirect(302, url)
      const nonce = newNonce()
      return sendFramable(res, topRedirectPage(url, nonce), nonce)
    },
  )

  return router
}

/** Issues a web code (10 minutes); under a `qrconnect` drop-callback fault the URL is the bare redirect_uri. */
function callbackWithCode(state: MockState, request: QrconnectRequest, user: TestUser): string {
  // snapshot: false — PC login has no snapshot pages, and must not spend one armed for the phone.
  const code = state.issueCode(request.app.appid, user.id, 'snsapi_login', false)
  if (state.takePageFault('qrconnect')?.mode === 'drop-callback') return request.redirectUri
  return withQrconnectParams(request.redirectUri, request.state, code)
}

/**
 * Sends a qrconnect page that any site may put in an iframe (WxLogin does exactly that): no
 * X-Frame-Options, `frame-ancestors *`, even if the host app set stricter defaults before us.
 * The rest of the CSP keeps the page to its own nonce'd script, its own images and the one
 * stylesheet `href` asked for.
 */
function sendFramable(res: Response, html: string, nonce?: string, stylesheet?: string): void {
  const styleSources = ["'unsafe-inline'", ...(stylesheet ? [new URL(stylesheet).origin] : [])]
  const csp = [
    "default-src 'none'",
    `script-src ${nonce ? `'nonce-${nonce}'` : "'none'"}`,
    `style-src ${styleSources.join(' ')}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    'frame-ancestors *',
  ].join('; ')
  res.removeHeader('X-Frame-Options')
  res
    .status(200)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Content-Security-Policy', csp)
    .send(html)
}

function newNonce(): string {
  return randomBytes(16).toString('base64url')
}
