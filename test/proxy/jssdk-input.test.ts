import { afterEach, describe, expect, it } from 'vitest'
import { errorCode, post, setup, teardown } from './support.js'
import type { Harness, Reply } from './support.js'

afterEach(teardown)

/** Calls WeChat's JS-SDK endpoints received: none may follow a refused request. */
async function wechatCalls(h: Harness): Promise<number> {
  const { calls } = await h.mock.control.stats()
  return calls.token + calls.stable_token + calls.ticket
}

/** POST /jssdk with `body` is refused with `status` and `code`, and WeChat hears of none of it. */
async function expectRefused(body: unknown, status: number, code: string): Promise<void> {
  const h = await setup()
  const reply = await post(h, '/jssdk', undefined, body)
  expect(reply.status).toBe(status)
  expect(errorCode(reply)).toBe(code)
  expect(await wechatCalls(h)).toBe(0)
}

/** A raw POST /jssdk: the body as given, with its Content-Type. */
async function postRaw(h: Harness, body: string, contentType = 'application/json'): Promise<Reply> {
  const response = await fetch(`${h.proxy.baseUrl}/jssdk`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
  const text = await response.text()
  return { status: response.status, text, headers: response.headers, json: JSON.parse(text), ms: 0 }
}

describe('POST /jssdk refuses a bad url without calling WeChat', () => {
  it.each([
    ['a missing url', {}],
    ['an empty url', { url: '' }],
    ['a url that is not a string', { url: 42 }],
    ['a relative url', { url: '/share?x=1' }],
    ['a javascript: url', { url: 'javascript:alert(1)//http://127.0.0.1/' }],
    ['a data: url', { url: 'data:text/html,<p>hi</p>' }],
    ['an ftp url', { url: 'ftp://127.0.0.1/share' }],
    ['user info before the host', { url: 'http://evil.test@127.0.0.1/share' }],
    ['user info that hides the host', { url: 'http://127.0.0.1@evil.test/share' }],
    ['a password', { url: 'http://a:b@127.0.0.1/share' }],
    ['a backslash', { url: 'http://127.0.0.1\\@evil.test/share' }],
    ['a host in capitals', { url: 'http://LOCALHOST/share' }],
    ['a single slash after the scheme', { url: 'http:/127.0.0.1/share' }],
    ['a percent-encoded host', { url: 'http://%31%32%37.0.0.1/share' }],
    ['a space', { url: 'http://127.0.0.1/sh are' }],
    ['a newline', { url: 'http://127.0.0.1/share\nx' }],
    ['non-ASCII text', { url: 'http://127.0.0.1/分享' }],
    ['a url over 2048 characters', { url: `http://127.0.0.1/${'a'.repeat(2040)}` }],
    ['an unknown field', { url: 'http://127.0.0.1/share', debug: true }],
    ['a __proto__ key', JSON.parse('{"url":"http://127.0.0.1/","__proto__":{"x":1}}') as object],
    ['a body that is an array', ['http://127.0.0.1/share']],
  ])('answers 400 invalid_request for %s', async (_name, body) => {
    await expectRefused(body, 400, 'invalid_request')
  })

  it.each([
    ['another host', 'http://evil.test/share'],
    ['a look-alike with our host as a subdomain', 'http://127.0.0.1.evil.test/share'],
    ['a look-alike with our host as a prefix', 'http://localhost.evil.test/share'],
    ['a look-alike with our host inside', 'http://evil-localhost/share'],
    ['a trailing dot', 'http://localhost./share'],
    ['our host in the path only', 'http://evil.test/127.0.0.1/share'],
    ['our host in the query only', 'http://evil.test/?u=http://127.0.0.1/'],
  ])('answers 400 url_not_allowed for %s', async (_name, url) => {
    await expectRefused({ url }, 400, 'url_not_allowed')
  })

  it('answers 413 for a body over 3 KB', async () => {
    const h = await setup()
    const reply = await postRaw(h, JSON.stringify({ url: `http://127.0.0.1/${'a'.repeat(3100)}` }))
    expect(reply.status).toBe(413)
    expect(errorCode(reply)).toBe('invalid_request')
    expect(await wechatCalls(h)).toBe(0)
  })

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
    ['UTF-16 JSON', 'application/json; charset=utf-16'],
  ])('answers 415 for a %s body', async (_name, contentType) => {
    const h = await setup()
    const reply = await postRaw(h, '{"url":"http://127.0.0.1/"}', contentType)
    expect(reply.status).toBe(415)
    expect(await wechatCalls(h)).toBe(0)
  })

  it('answers 400 for broken JSON', async () => {
    const h = await setup()
    const reply = await postRaw(h, '{"url": "http://127.0.0.1/"')
    expect(reply.status).toBe(400)
    expect(await wechatCalls(h)).toBe(0)
  })
})

describe('POST /jssdk signs only the hosts it is allowed to', () => {
  it("signs the proxy's own host, on any port", async () => {
    const h = await setup()
    const port = new URL(h.proxy.baseUrl).port
    expect((await post(h, '/jssdk', undefined, { url: `http://127.0.0.1:${port}/` })).status).toBe(
      200,
    )
    expect((await post(h, '/jssdk', undefined, { url: 'https://127.0.0.1/a' })).status).toBe(200)
  })

  it("never trusts the request's own Host in production against real WeChat, only configured hosts", async () => {
    const h = await setup({ config: { production: true, mock: false } })
    const port = new URL(h.proxy.baseUrl).port
    // The Host header is the caller's to write: it would make any host signable.
    const reply = await post(h, '/jssdk', undefined, { url: `http://127.0.0.1:${port}/` })
    expect(reply.status).toBe(400)
    expect(errorCode(reply)).toBe('url_not_allowed')
    expect(await wechatCalls(h)).toBe(0)
    const named = await setup({
      config: { production: true, mock: false, jssdkDomains: ['127.0.0.1'] },
    })
    expect((await post(named, '/jssdk', undefined, { url: 'http://127.0.0.1/' })).status).toBe(200)
  })

  it('signs the hosts of ALLOWED_ORIGINS by default', async () => {
    const h = await setup({ config: { allowedOrigins: ['https://shop.example.com'] } })
    const reply = await post(h, '/jssdk', undefined, { url: 'https://shop.example.com/item?id=1' })
    expect(reply.status).toBe(200)
  })

  it('signs exactly WECHAT_JSSDK_DOMAINS when set, not even its own host', async () => {
    const h = await setup({ config: { jssdkDomains: ['m.example.com'] } })
    expect((await post(h, '/jssdk', undefined, { url: 'https://m.example.com/' })).status).toBe(200)
    const own = await post(h, '/jssdk', undefined, { url: 'http://127.0.0.1/' })
    expect(errorCode(own)).toBe('url_not_allowed')
    const sub = await post(h, '/jssdk', undefined, { url: 'https://a.m.example.com/' })
    expect(errorCode(sub)).toBe('url_not_allowed')
  })
})
