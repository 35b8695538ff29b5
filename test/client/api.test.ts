import axios, { AxiosError } from 'axios'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { createProxyClient } from '../../client/api'
import { WechatAuthError } from '../../client/index'
import { fakeProxy, okExchange, type Event } from './helpers'
import { listenOnLoopback } from '../helpers/net'

const body = { code: 'C', verifier: 'V', app: 'mp' }
/** The kit's calls, as the flow makes them. */
const openid = { path: '/openid', method: 'post', expect: 'session', body } as const
const config = { path: '/config', expect: 'appid' } as const

async function caught(promise: Promise<unknown>): Promise<WechatAuthError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof WechatAuthError))
    throw new Error(`expected a WechatAuthError, got ${String(err)}`)
  return err
}

describe('proxy client', () => {
  it('posts the body as JSON to /openid under the proxy base', async () => {
    const events: Event[] = []
    const client = createProxyClient({
      proxyBase: '/auth/',
      http: fakeProxy(events, () => okExchange()),
    })
    const result = await client<{ openid: string }>(openid)
    expect(result.openid).toBe('oAbCdEfGhIjKlMnOpQrStUvWxYz0')
    expect(events).toEqual([{ type: 'request', method: 'post', url: '/auth/openid', data: body }])
  })

  it('keeps the proxy error code, status and errcode', async () => {
    const http = fakeProxy([], () => ({
      status: 409,
      data: { error: { code: 'code_used', message: 'code been used', errcode: 40163 } },
    }))
    const err = await caught(createProxyClient({ http })(openid))
    expect([err.code, err.status, err.errcode]).toEqual(['code_used', 409, 40163])
  })

  it('reports network_error when the proxy answers HTML', async () => {
    const http = fakeProxy([], () => ({ status: 200, data: '<!doctype html><html></html>' }))
    const err = await caught(createProxyClient({ http })(config))
    expect(err.code).toBe('network_error')
  })

  it('reports network_error when an error answer is not JSON', async () => {
    const http = fakeProxy([], () => ({ status: 502, data: 'Bad Gateway' }))
    const err = await caught(createProxyClient({ http })(openid))
    expect([err.code, err.status]).toEqual(['network_error', 502])
  })

  it('reports network_error when the proxy is unreachable', async () => {
    const http = axios.create({
      adapter: (config) =>
        Promise.reject(new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED', config)),
    })
    const err = await caught(createProxyClient({ http })(config))
    expect(err.code).toBe('network_error')
  })

  it('sends the configured timeout with each call', async () => {
    let timeout: number | undefined
    const http = fakeProxy([], (config) => {
      timeout = config.timeout
      return { status: 200, data: { appid: 'wxA', mock: true, authorizeBase: '/mock-wechat' } }
    })
    await createProxyClient({ http, timeoutMs: 1234 })(config)
    expect(timeout).toBe(1234)
  })

  it('gets /userinfo with the session as Bearer and the language', async () => {
    const events: Event[] = []
    const http = fakeProxy(events, () => ({ status: 200, data: { openid: 'o1', nickname: 'n' } }))
    const profile = await createProxyClient({ http })({
      path: '/userinfo?lang=en',
      expect: 'openid',
      session: 'a.b.c',
    })
    expect(profile).toMatchObject({ openid: 'o1' })
    expect(events).toEqual([
      expect.objectContaining({
        method: 'get',
        url: '/api/wechat/userinfo?lang=en',
        authorization: 'Bearer a.b.c',
      }),
    ])
  })

  it('reports network_error when /userinfo answers HTML', async () => {
    const http = fakeProxy([], () => ({ status: 200, data: '<!doctype html>' }))
    const err = await caught(
      createProxyClient({ http })({
        path: '/userinfo?lang=zh_CN',
        expect: 'openid',
        session: 'a.b.c',
      }),
    )
    expect(err.code).toBe('network_error')
  })

  it('posts /logout with the session as Bearer and accepts an empty 204', async () => {
    const events: Event[] = []
    const http = fakeProxy(events, () => ({ status: 204, data: '' }))
    await expect(
      createProxyClient({ http })({ path: '/logout', method: 'post', session: 'a.b.c' }),
    ).resolves.toBe('')
    expect(events).toEqual([
      expect.objectContaining({
        method: 'post',
        url: '/api/wechat/logout',
        authorization: 'Bearer a.b.c',
      }),
    ])
  })

  it('sends no Authorization header without a session', async () => {
    const events: Event[] = []
    await createProxyClient({ http: fakeProxy(events, () => okExchange()) })(openid)
    expect(events[0]).not.toHaveProperty('authorization')
  })

  it('without `http`, calls the proxy through an axios instance of its own', async () => {
    const seen: string[] = []
    const app = express()
      .use(express.json())
      .post('/api/wechat/openid', (req, res) => {
        seen.push(`${req.headers['content-type']} ${JSON.stringify(req.body)}`)
        res.json(okExchange().data)
      })
      .get('/api/wechat/config', (_req, res) =>
        res.status(503).json({ error: { code: 'store_unreachable', message: 'down' } }),
      )
    const proxy = await listenOnLoopback(app)
    // An interceptor on axios's global instance is the app's, not the kit's: the kit's calls skip it.
    const interceptor = axios.interceptors.request.use(() => {
      throw new Error('the app’s global interceptor ran')
    })
    try {
      const call = createProxyClient({ proxyBase: `${proxy.origin}/api/wechat/` })
      const answer = await call<{ openid: string }>(openid)
      expect(answer.openid).toBe((okExchange().data as { openid: string }).openid)
      expect(seen).toEqual([`application/json ${JSON.stringify(body)}`])
      const err = await caught(call(config))
      expect([err.code, err.status]).toEqual(['store_unreachable', 503])
    } finally {
      axios.interceptors.request.eject(interceptor)
      await proxy.close()
    }
  })
})
