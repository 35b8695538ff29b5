import type { MockApp } from './demo-apps.js'

export interface AuthorizeRequest {
  app: MockApp
  redirectUri: string
  scope: 'snsapi_base' | 'snsapi_userinfo'
  /** Optional on oauth2/authorize as on qrconnect (WeChat's docs); `''` when absent. */
  state: string
  connectRedirect: boolean
  /** `forceSnapShot=true`: an snsapi_userinfo request opens as a snapshot page. */
  forceSnapshot: boolean
}

export interface AuthorizeError {
  errcode: number | string
  message: string
}

export type AuthorizeCheck =
  { ok: true; request: AuthorizeRequest } | { ok: false; error: AuthorizeError }

// WeChat matches the query with a regex (its docs): these parameters, this order, nothing else,
// and response_type=code (docs/wechat.md#authorize-url). `state` is optional; after it may come
// connect_redirect=1 (mature SDKs send it) and WeChat's forcePopup and forceSnapShot, in any order.
const ORDER =
  /^appid=[^&]*&redirect_uri=[^&]*&response_type=code&scope=[^&]*(?:&state=[^&]*)?(?:&(?:connect_redirect=1|forcePopup=(?:true|false)|forceSnapShot=(?:true|false)))*$/

export function hasWechatOrder(rawQuery: string): boolean {
  return ORDER.test(rawQuery)
}

/** A failed check (authorize or qrconnect): the error page's errcode and message. */
export const fail = (
  errcode: number | string,
  message: string,
): { ok: false; error: AuthorizeError } => ({ ok: false, error: { errcode, message } })

/**
 * WeChat's checks on an authorize request, in WeChat's order. `get` reads an already-decoded
 * parameter; `rawQuery` (the GET query as sent) adds the parameter order check.
 */
export function checkAuthorize(
  get: (name: string) => string | undefined,
  apps: readonly MockApp[],
  domains: readonly string[],
  rawQuery?: string,
): AuthorizeCheck {
  const appid = get('appid')
  const redirectUri = get('redirect_uri')
  const scope = get('scope')
  const state = get('state')
  if (!appid) return fail(10012, 'appid不能为空')
  if (!redirectUri) return fail(10011, 'redirect_uri不能为空')
  if (!scope) return fail(10010, 'scope不能为空')
  if (rawQuery !== undefined && !hasWechatOrder(rawQuery))
    return fail('bad-order', '该链接无法访问')
  if (get('response_type') !== 'code') return fail('bad-response-type', '该链接无法访问')

  const app = apps.find((candidate) => candidate.appid === appid)
  if (!app) return fail(40013, 'invalid appid')
  // A website (open-platform) appid on the official-account endpoint: the classic scope mistake.
  if (app.kind !== 'mp') return fail(10016, '不支持微信开放平台的Appid，请使用公众号Appid')
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
    return fail(10005, '此公众号并没有这些scope的权限')
  }
  // The code must only ever be delivered to the registered domain, or anyone could collect codes
  // for this app. WeChat compares the host exactly (no parent or sub-domains). Deviation: the mock
  // ignores the port, so local development on localhost:5173 works with the domain `localhost`.
  if (!isAllowedRedirect(redirectUri, domains)) {
    return fail(10003, 'redirect_uri域名与后台配置不一致')
  }
  return {
    ok: true,
    request: {
      app,
      redirectUri,
      scope,
      // Missing or empty alike: the callback then carries `state=` (docs/wechat.md#callback).
      state: state ?? '',
      connectRedirect: get('connect_redirect') === '1',
      forceSnapshot: get('forceSnapShot') === 'true',
    },
  }
}

export function isAllowedRedirect(redirectUri: string, domains: readonly string[]): boolean {
  let url: URL
  try {
    url = new URL(redirectUri)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  const host = url.hostname.toLowerCase()
  return domains.some((domain) => domain.toLowerCase() === host)
}

/**
 * Adds `code` and `state` to the redirect_uri the way WeChat does: appended to the existing query,
 * before any `#` (a hash-mode route stays after them). Without a code (denial) only `state` is added.
 */
export function withCallbackParams(redirectUri: string, state: string, code?: string): string {
  const hashAt = redirectUri.indexOf('#')
  if (hashAt === -1) return appendCallbackParams(redirectUri, state, code)
  return appendCallbackParams(redirectUri.slice(0, hashAt), state, code) + redirectUri.slice(hashAt)
}

/**
 * `code` (when given) and `state` appended to `part`'s query (a URL, or the hash of one): `?`
 * starts it unless `part` already has one, then `&` unless `part` ends in `?` or `&`.
 */
export function appendCallbackParams(part: string, state: string, code?: string): string {
  const added =
    (code === undefined ? '' : `code=${encodeURIComponent(code)}&`) +
    `state=${encodeURIComponent(state)}`
  let separator = '?'
  if (part.includes('?')) separator = part.endsWith('?') || part.endsWith('&') ? '' : '&'
  return part + separator + added
}
