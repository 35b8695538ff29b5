/**
 * The proxy's own HTTP client for WeChat (node:http, no library): what it does with answers that are
 * not WeChat's, against a bare local server that answers whatever each test says.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { createWechatApi } from '../../proxy/wechat/api.js'
import { freePort, listenOnLoopback } from '../helpers/net.js'
import type { Listening } from '../helpers/net.js'

const APP = { appid: 'wx0123456789abcdef', secret: '0123456789abcdef0123456789abcdef' }
const TOKENS = {
  access_token: 'at',
  expires_in: 7200,
  refresh_token: 'rt',
  openid: 'oOpenid',
  scope: 'snsapi_base',
}

let upstreamServer: Listening | undefined
let requests: IncomingMessage[] = []

afterEach(async () => {
  await upstreamServer?.close()
  upstreamServer = undefined
  requests = []
})

/**
 * A local "WeChat" under /base answering with `answer`; the client with a 300 ms timeout. On the
 * IPv4 loopback unless `host` says otherwise.
 */
async function upstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
  host: '127.0.0.1' | '::1' = '127.0.0.1',
) {
  const server = createServer((req, res) => {
    requests.push(req)
    answer(req, res)
  })
  upstreamServer = await listenOnLoopback(server, host)
  return createWechatApi({ apiBase: `${upstreamServer.origin}/base`, timeoutMs: 300 })
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ProxyError) return { code: error.code, status: error.status }
    throw error
  }
  throw new Error('expected a failure')
}

describe("the WeChat client's HTTP", () => {
  it('calls the path under the base with the parameters in the query string', async () => {
    const api = await upstream((_req, res) => res.end(JSON.stringify(TOKENS)))
    await api.exchangeCode(APP, 'theCode')
    const url = new URL(requests[0]?.url ?? '', 'http://x')
    expect(url.pathname).toBe('/base/sns/oauth2/access_token')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      appid: APP.appid,
      secret: APP.secret,
      code: 'theCode',
      grant_type: 'authorization_code',
    })
  })

  it('reaches a base given as an IPv6 address', async () => {
    const api = await upstream((_req, res) => res.end(JSON.stringify(TOKENS)), '::1')
    await expect(api.exchangeCode(APP, 'theCode')).resolves.toMatchObject({ openid: 'oOpenid' })
  })

  it('reads JSON sent as text/plain', async () => {
    const api = await upstream((_req, res) => {
      res.setHeader('content-type', 'text/plain')
      res.end(JSON.stringify(TOKENS))
    })
    await expect(api.exchangeCode(APP, 'c')).resolves.toMatchObject({ openid: 'oOpenid' })
  })

  it('reuses one kept-alive connection for consecutive calls', async () => {
    const api = await upstream((_req, res) => res.end(JSON.stringify(TOKENS)))
    await api.exchangeCode(APP, 'a')
    await api.exchangeCode(APP, 'b')
    expect(requests[0]?.socket).toBe(requests[1]?.socket)
  })

  it('does not follow a redirect: 502 upstream_error', async () => {
    const api = await upstream((req, res) => {
      if (req.url?.startsWith('/elsewhere')) return void res.end(JSON.stringify(TOKENS))
      res.writeHead(302, { location: '/elsewhere' }).end()
    })
    expect(await failure(api.exchangeCode(APP, 'c'))).toEqual({
      code: 'upstream_error',
      status: 502,
    })
    expect(requests).toHaveLength(1)
  })

  it('refuses a body over 64 KB: 502 upstream_error', async () => {
    const api = await upstream((_req, res) => res.end(`{"pad":"${'x'.repeat(70 * 1024)}"}`))
    expect(await failure(api.exchangeCode(APP, 'c'))).toEqual({
      code: 'upstream_error',
      status: 502,
    })
  })

  it('gives up on an answer that trickles past the timeout: 504 upstream_timeout', async () => {
    // Headers at once and a byte every 50 ms: the socket is never idle, the call is too slow.
    const api = await upstream((_req, res) => {
      res.writeHead(200)
      const drip = setInterval(() => res.write(' '), 50)
      res.on('close', () => clearInterval(drip))
    })
    expect(await failure(api.exchangeCode(APP, 'c'))).toEqual({
      code: 'upstream_timeout',
      status: 504,
    })
  })

  it('answers 502 upstream_error when the connection drops in the middle of the body', async () => {
    const api = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' })
      // Dropped once the first part is on its way: the client has headers and half a body.
      res.write('{"openid":', () => res.socket?.destroy())
    })
    expect(await failure(api.exchangeCode(APP, 'c'))).toEqual({
      code: 'upstream_error',
      status: 502,
    })
  })

  it('answers 503 upstream_unavailable when nothing listens', async () => {
    const api = createWechatApi({ apiBase: `http://127.0.0.1:${await freePort()}`, timeoutMs: 300 })
    expect(await failure(api.exchangeCode(APP, 'c'))).toEqual({
      code: 'upstream_unavailable',
      status: 503,
    })
  })

  it('keeps no URL, and so no secret, in the error it throws', async () => {
    const api = await upstream((req) => req.socket.destroy())
    try {
      await api.exchangeCode(APP, 'c')
    } catch (error) {
      const seen = JSON.stringify(error, Object.getOwnPropertyNames(error as object))
      expect(seen).not.toContain(APP.secret)
      expect(String((error as Error).cause)).not.toContain(APP.secret)
      return
    }
    throw new Error('expected a failure')
  })
})
