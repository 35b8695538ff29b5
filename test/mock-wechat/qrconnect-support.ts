import { DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { pageForm, postForm } from './support.js'
import type { PageForm } from './support.js'

export const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/126.0.0.0 Safari/537.36'

/** A qrconnect URL; `undefined` drops a parameter. Values are percent-encoded once. */
export function qrconnectUrl(
  baseUrl: string,
  overrides: Record<string, string | undefined> = {},
): string {
  const params: Record<string, string | undefined> = {
    appid: DEMO_WEB_APP.appid,
    redirect_uri: 'http://localhost:5173/login',
    response_type: 'code',
    scope: 'snsapi_login',
    state: 'abc123',
    ...overrides,
  }
  const query = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&')
  return `${baseUrl}/connect/qrconnect?${query}#wechat_redirect`
}

/** GET with a desktop browser's user agent, never following redirects. */
export function desktopGet(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { 'user-agent': DESKTOP_UA } })
}

/** Opens a qrconnect URL and reads its form as a browser would submit it. */
export async function qrForm(mock: RunningMockWechat, url: string): Promise<PageForm> {
  return pageForm(await (await desktopGet(url)).text(), mock.origin)
}

/** Posts the QR page's form (a plain form post, or the iframe script's JSON request). */
export function submitQr(
  action: string,
  fields: URLSearchParams,
  decision: 'allow' | 'deny',
  accept = 'text/html',
): Promise<Response> {
  return postForm(action, fields, decision, { 'user-agent': DESKTOP_UA, accept })
}

/** Opens the QR page for `overrides` and approves (or denies) as the phone would. */
export async function scanAndConfirm(
  mock: RunningMockWechat,
  overrides: Record<string, string | undefined> = {},
  decision: 'allow' | 'deny' = 'allow',
  user?: string,
): Promise<Response> {
  const { action, fields } = await qrForm(mock, qrconnectUrl(mock.baseUrl, overrides))
  if (user !== undefined) fields.set('user', user)
  return submitQr(action, fields, decision)
}

/** The code of a qrconnect callback, wherever it was appended (the hash included). */
export function qrCodeFrom(location: string | null): string | null {
  return location ? (/[?&]code=([^&#]+)/.exec(location)?.[1] ?? null) : null
}
