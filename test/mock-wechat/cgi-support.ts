import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import type { WechatJson } from './support.js'

export const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/
export const TOKEN = /^86_[A-Za-z0-9_-]{100}$/

type Query = Record<string, string | undefined>

function queryOf(params: Query): string {
  const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)
  return new URLSearchParams(defined).toString()
}

/** `GET /cgi-bin/token` for the demo official account; `overrides` (undefined = left out) win. */
export function classicTokenResponse(baseUrl: string, overrides: Query = {}): Promise<Response> {
  const query = queryOf({
    grant_type: 'client_credential',
    appid: DEMO_MP_APP.appid,
    secret: DEMO_MP_APP.secret,
    ...overrides,
  })
  return fetch(`${baseUrl}/cgi-bin/token?${query}`)
}

export async function classicToken(baseUrl: string, overrides: Query = {}): Promise<WechatJson> {
  return (await (await classicTokenResponse(baseUrl, overrides)).json()) as WechatJson
}

/** `POST /cgi-bin/stable_token` with a JSON body for the demo official account, or `raw` as sent. */
export function stableTokenResponse(
  baseUrl: string,
  overrides: Record<string, unknown> = {},
  raw?: string,
): Promise<Response> {
  const body = {
    grant_type: 'client_credential',
    appid: DEMO_MP_APP.appid,
    secret: DEMO_MP_APP.secret,
    ...overrides,
  }
  return fetch(`${baseUrl}/cgi-bin/stable_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  })
}

export async function stableToken(
  baseUrl: string,
  overrides: Record<string, unknown> = {},
): Promise<WechatJson> {
  return (await (await stableTokenResponse(baseUrl, overrides)).json()) as WechatJson
}

export function ticketResponse(
  baseUrl: string,
  accessToken?: unknown,
  type = 'jsapi',
): Promise<Response> {
  const query = queryOf({
    access_token: accessToken === undefined ? undefined : String(accessToken),
    type,
  })
  return fetch(`${baseUrl}/cgi-bin/ticket/getticket?${query}`)
}

/** `GET /cgi-bin/ticket/getticket` with `accessToken` (left out when undefined). */
export async function getTicket(
  baseUrl: string,
  accessToken?: unknown,
  type = 'jsapi',
): Promise<WechatJson> {
  return (await (await ticketResponse(baseUrl, accessToken, type)).json()) as WechatJson
}
