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

/** The body of the request `req`, read to its end. */
async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

describe("the WeChat client's POST (stable_token)", () => {
  const STABLE = JSON.stringify({ access_token: 'basic', expires_in: 7200 })

  /** A WeChat answering STABLE, with the body of the last request it read. */
  async function stableUpstream() {
    const seen = { body: '' }
    const api = await upstream((req, res) => {
      void bodyOf(req).then((text) => {
        seen.body = text
        res.end(STABLE)
      })
    })
    return { api, seen }
  }

  it('posts JSON to the path under the base, the secret in the body and not in the URL', async () => {
    const { api, seen } = await stableUpstream()
    expect(await api.stableToken(APP, false)).toEqual({ accessToken: 'basic', expiresIn: 7200 })
    const { body } = seen
    const req = requests[0]!
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/base/cgi-bin/stable_token')
    expect(req.headers['content-type']).toBe('application/json')
    expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(body))
    expect(JSON.parse(body)).toEqual({
      grant_type: 'client_credential',
      appid: APP.appid,
      secret: APP.secret,
      force_refresh: false,
    })
  })

  it('asks WeChat to replace the token only when told to', async () => {
    const { api, seen } = await stableUpstream()
    await api.stableToken(APP, true)
    expect(JSON.parse(seen.body)).toMatchObject({ force_refresh: true })
  })

  it('reuses the kept-alive connection of a GET', async () => {
    const api = await upstream((req, res) => {
      void bodyOf(req).then(() => res.end(req.method === 'POST' ? STABLE : JSON.stringify(TOKENS)))
    })
    await api.exchangeCode(APP, 'a')
    await api.stableToken(APP, false)
    expect(requests[0]?.socket).toBe(requests[1]?.socket)
  })

  it('gives up on a POST that is not answered in time: 504 upstream_timeout', async () => {
    const api = await upstream(() => {})
    expect(await failure(api.stableToken(APP, false))).toEqual({
      code: 'upstream_timeout',
      status: 504,
    })
  })

  it('refuses an answer over 64 KB to a POST: 502 upstream_error', async () => {
    const api = await upstream((_req, res) => res.end(`{"pad":"${'x'.repeat(70 * 1024)}"}`))
    expect(await failure(api.stableToken(APP, false))).toEqual({
      code: 'upstream_error',
      status: 502,
    })
  })

  it('keeps no body, and so no secret, in the error it throws', async () => {
    const api = await upstream((req) => req.socket.destroy())
    const error = await api.stableToken(APP, false).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProxyError)
    const seen = JSON.stringify(error, Object.getOwnPropertyNames(error as object))
    expect(seen).not.toContain(APP.secret)
    expect(String((error as Error).cause)).not.toContain(APP.secret)
  })
})
