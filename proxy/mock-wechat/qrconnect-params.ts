import type { MockApp } from './demo-apps.js'
import type { AuthorizeError } from './params.js'
import { appendCallbackParams, fail, isAllowedRedirect } from './params.js'

/** How the QR page is shown: a page of its own, or (`login_type=jssdk`) inside WxLogin's iframe. */
export interface QrconnectDisplay {
  embedded: boolean
  /** `self_redirect=true`: the iframe itself goes to the callback; otherwise the top window does. */
  selfRedirect: boolean
  style: 'black' | 'white'
  /** An http(s) stylesheet to link into the embedded page; anything else is dropped. */
  href: string | undefined
  stylelite: boolean
  fastLogin: boolean
}

export interface QrconnectRequest {
  app: MockApp
  redirectUri: string
  /** Optional on qrconnect (WeChat's docs); `''` when absent. */
  state: string
  display: QrconnectDisplay
}

export type QrconnectCheck =
  { ok: true; request: QrconnectRequest } | { ok: false; error: AuthorizeError }

/**
 * WeChat's checks on a qrconnect request. Unlike oauth2/authorize there is no parameter-order
 * check and no `response_type` requirement: WxLogin's iframe URL sends neither in that form.
 */
export function checkQrconnect(
  get: (name: string) => string | undefined,
  apps: readonly MockApp[],
  domains: readonly string[],
): QrconnectCheck {
  const appid = get('appid')
  const redirectUri = get('redirect_uri')
  const scope = get('scope')
  if (!appid) return fail(10012, 'appid不能为空')
  if (!redirectUri) return fail(10011, 'redirect_uri不能为空')
  if (!scope) return fail(10010, 'scope不能为空')

  const app = apps.find((candidate) => candidate.appid === appid)
  // The real page says "AppID参数错误"; errcode as on oauth2/authorize.
  if (!app) return fail(40013, 'AppID参数错误')
  // An official-account appid on the website-login page: the mirror image of 10016. WeChat's page
  // has no fixed wording we could rely on; this message says plainly what is wrong.
  if (app.kind !== 'web') return fail('wrong-app-type', '该应用不是网站应用，请使用网站应用的AppID')
  if (scope !== 'snsapi_login') return fail('bad-scope', 'scope参数错误')
  // Codes may only ever reach the registered domain, or anyone could collect this app's codes.
  // Same comparison as oauth2/authorize (exact host, port ignored by the mock).
  if (!isAllowedRedirect(redirectUri, domains)) {
    return fail(10003, 'redirect_uri域名与后台配置不一致')
  }
  return {
    ok: true,
    request: { app, redirectUri, state: get('state') ?? '', display: displayOf(get) },
  }
}

function displayOf(get: (name: string) => string | undefined): QrconnectDisplay {
  return {
    embedded: get('login_type') === 'jssdk',
    selfRedirect: get('self_redirect') === 'true',
    style: get('style') === 'white' ? 'white' : 'black',
    href: stylesheetHref(get('href')),
    stylelite: get('stylelite') === '1',
    fastLogin: get('fast_login') === '1',
  }
}

/** Only an absolute http(s) URL: a `javascript:` or `data:` "stylesheet" must never reach the page. */
function stylesheetHref(value: string | undefined): string | undefined {
  if (!value || !URL.canParse(value)) return undefined
  const url = new URL(value)
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
}

/** The query parameters that carry a request from the QR page to its confirm step. */
export function qrconnectParams(request: QrconnectRequest): Record<string, string> {
  const { display } = request
  const params: Record<string, string> = {
    appid: request.app.appid,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: 'snsapi_login',
    state: request.state,
  }
  if (display.embedded) {
    params.login_type = 'jssdk'
    params.self_redirect = display.selfRedirect ? 'true' : 'false'
    params.style = display.style
    if (display.href !== undefined) params.href = display.href
    if (display.stylelite) params.stylelite = '1'
    if (display.fastLogin) params.fast_login = '1'
  }
  return params
}

/**
 * qrconnect's callback: `code` and `state` appended at the very end of redirect_uri (observed),
 * unlike oauth2/authorize which inserts them before the `#`. So a hash-mode route gets them inside
 * its hash: `https://a.com/#/login` -> `https://a.com/#/login?code=C&state=S`. The separator looks
 * at the part the parameters join: the hash when there is one, else the whole URL. Without a code
 * (denial) only `state` is added.
 */
export function withQrconnectParams(redirectUri: string, state: string, code?: string): string {
  const hashAt = redirectUri.indexOf('#')
  if (hashAt === -1) return appendCallbackParams(redirectUri, state, code)
  return redirectUri.slice(0, hashAt) + appendCallbackParams(redirectUri.slice(hashAt), state, code)
}
