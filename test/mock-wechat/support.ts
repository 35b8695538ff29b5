import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import type { MockStats, RunningMockWechat } from '../helpers/mock-server.js'

export const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Mobile/15E148 MicroMessenger/8.0.49(0x18003135) NetType/WIFI Language/zh_CN'

/** The stats of a mock nothing has called yet. */
export const NO_CALLS: MockStats = {
  calls: {
    access_token: 0,
    refresh_token: 0,
    userinfo: 0,
    auth: 0,
    token: 0,
    stable_token: 0,
    ticket: 0,
  },
  authorize: 0,
  qrconnect: 0,
  jssdk: { ok: 0, fail: 0 },
}

export const SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.5 Mobile/15E148 Safari/604.1'

export interface AuthorizeParams {
  appid?: string
  redirect_uri?: string
  response_type?: string
  scope?: string
  state?: string
}

/** An authorize URL in WeChat's order, each value percent-encoded once (as the client kit builds it). */
export function authorizeUrl(
  baseUrl: string,
  overrides: AuthorizeParams = {},
  suffix = '',
): string {
  const params: Required<AuthorizeParams> = {
    appid: DEMO_MP_APP.appid,
    redirect_uri: 'http://localhost:5173/',
    response_type: 'code',
    scope: 'snsapi_base',
    state: 'abc123',
    ...overrides,
  }
  const query = Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&')
  return `${baseUrl}/connect/oauth2/authorize?${query}${suffix}#wechat_redirect`
}

/** GET with a WeChat user agent, never following redirects. */
export function wechatGet(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { 'user-agent': WECHAT_UA, ...headers } })
}

/** The error page's errcode attribute, or null when the page has none. */
export async function errcodeOf(response: Response): Promise<string | null> {
  const html = await response.text()
  if (!html.includes('<title>微信网页授权</title>')) return null
  return /data-testid="wechat-error" data-errcode="([^"]*)"/.exec(html)?.[1] ?? null
}

export interface PageForm {
  action: string
  fields: URLSearchParams
  html: string
}

/** Reads a mock page's form (its action and hidden fields) as a browser would submit it. */
export function pageForm(html: string, origin: string): PageForm {
  const action = /<form [^>]*action="([^"]+)"/.exec(html)?.[1] ?? ''
  const fields = new URLSearchParams()
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(match[1] ?? '', (match[2] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&'))
  }
  return { action: new URL(action, origin).href, fields, html }
}

/** Posts a mock page's form with `decision` as the button pressed, never following redirects. */
export function postForm(
  action: string,
  fields: URLSearchParams,
  decision: 'allow' | 'deny',
  headers: Record<string, string>,
): Promise<Response> {
  const body = new URLSearchParams(fields)
  body.set('decision', decision)
  return fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  })
}

/** Opens an authorize URL that shows the consent page; reads its form as a browser would submit it. */
export async function consentForm(mock: RunningMockWechat, url: string): Promise<PageForm> {
  return pageForm(await (await wechatGet(url)).text(), mock.origin)
}

/** Posts the consent form with a WeChat user agent. */
export function submitConsent(
  action: string,
  fields: URLSearchParams,
  decision: 'allow' | 'deny',
): Promise<Response> {
  return postForm(action, fields, decision, { 'user-agent': WECHAT_UA })
}

/** The `code` a redirect carries (read from the query before any '#'). */
export function codeFrom(location: string | null): string | null {
  if (!location) return null
  return new URL(location).searchParams.get('code')
}

export function accessTokenUrl(
  baseUrl: string,
  params: Partial<Record<'appid' | 'secret' | 'code' | 'grant_type', string>>,
): string {
  const all = {
    appid: DEMO_MP_APP.appid,
    secret: DEMO_MP_APP.secret,
    grant_type: 'authorization_code',
    ...params,
  }
  const query = new URLSearchParams(
    Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
  )
  return `${baseUrl}/sns/oauth2/access_token?${query.toString()}`
}

export async function exchange(
  baseUrl: string,
  params: Partial<Record<'appid' | 'secret' | 'code' | 'grant_type', string>>,
): Promise<Record<string, unknown>> {
  const response = await fetch(accessTokenUrl(baseUrl, params))
  return (await response.json()) as Record<string, unknown>
}

export type WechatJson = Record<string, unknown>

async function getJson(url: string): Promise<WechatJson> {
  return (await (await fetch(url)).json()) as WechatJson
}

export interface SignInOptions {
  appid?: string
  secret?: string
  user?: string
  scope?: 'snsapi_base' | 'snsapi_userinfo'
  snapshot?: boolean
}

/** Pre-issues a code through the control API and exchanges it: the access_token response. */
export async function signIn(
  mock: RunningMockWechat,
  options: SignInOptions = {},
): Promise<WechatJson> {
  const { appid = DEMO_MP_APP.appid, secret = DEMO_MP_APP.secret, ...rest } = options
  const [code] = await mock.control.codes({ count: 1, appid, scope: 'snsapi_userinfo', ...rest })
  return exchange(mock.baseUrl, { appid, secret, code: code ?? '' })
}

export function userinfo(baseUrl: string, token: WechatJson, lang?: string): Promise<WechatJson> {
  const query = new URLSearchParams({
    access_token: String(token.access_token),
    openid: String(token.openid),
    ...(lang === undefined ? {} : { lang }),
  })
  return getJson(`${baseUrl}/sns/userinfo?${query.toString()}`)
}

export function snsAuth(baseUrl: string, token: WechatJson): Promise<WechatJson> {
  const query = new URLSearchParams({
    access_token: String(token.access_token),
    openid: String(token.openid),
  })
  return getJson(`${baseUrl}/sns/auth?${query.toString()}`)
}

export function refresh(
  baseUrl: string,
  refreshToken: unknown,
  overrides: Partial<Record<'appid' | 'grant_type', string>> = {},
): Promise<WechatJson> {
  const query = new URLSearchParams({
    appid: DEMO_MP_APP.appid,
    grant_type: 'refresh_token',
    refresh_token: String(refreshToken),
    ...overrides,
  })
  return getJson(`${baseUrl}/sns/oauth2/refresh_token?${query.toString()}`)
}
