import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { JssdkResponse } from '../../client/wire.js'
import { createLogger } from '../../proxy/logger.js'
import type { Store } from '../../proxy/store/index.js'
import { errorCode, post, setup, teardown } from './support.js'
import type { Harness, HarnessOptions } from './support.js'

afterEach(teardown)

const PAGE = 'http://127.0.0.1/share?from=singlemessage&isappinstalled=0'

/** The harness, with the number of times the proxy tried to take the credential lock. */
async function harness(options: HarnessOptions = {}): Promise<Harness & { locks: () => number }> {
  let locks = 0
  const h = await setup({
    ...options,
    store: (store: Store): Store => ({
      ...store,
      lockCredentials: (appid, ttlMs) => {
        locks += 1
        return store.lockCredentials(appid, ttlMs)
      },
    }),
  })
  return { ...h, locks: () => locks }
}

async function sign(h: Harness, url = PAGE): Promise<JssdkResponse> {
  const reply = await post(h, '/jssdk', undefined, { url })
  if (reply.status !== 200) throw new Error(`POST /jssdk: ${reply.status} ${reply.text}`)
  return reply.json as JssdkResponse
}

/** The ticket the proxy keeps for the official account. */
async function keptTicket(h: Harness): Promise<string | undefined> {
  return (await h.store.getCredential(h.proxy.config.mp.appid, 'ticket'))?.value
}

/** WeChat's signature, computed here from the kept ticket (docs/wechat.md#signature). */
function expectedSignature(ticket: string, answer: JssdkResponse): string {
  const text = `jsapi_ticket=${ticket}&noncestr=${answer.nonceStr}&timestamp=${answer.timestamp}&url=${answer.url}`
  return createHash('sha1').update(text).digest('hex')
}

async function calls(h: Harness) {
  return (await h.mock.control.stats()).calls
}

describe('POST /jssdk', () => {
  it('answers the wx.config fields, signed with the kept ticket', async () => {
    const h = await harness()
    const before = Math.floor(Date.now() / 1000)
    const answer = await sign(h)
    expect(Object.keys(answer).sort()).toEqual(
      ['appId', 'nonceStr', 'signature', 'timestamp', 'url'].sort(),
    )
    expect(answer.appId).toBe(h.proxy.config.mp.appid)
    expect(answer.url).toBe(PAGE)
    expect(answer.timestamp).toBeGreaterThanOrEqual(before)
    expect(answer.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000))
    expect(answer.nonceStr).toMatch(/^[A-Za-z0-9]{16,}$/)
    expect(answer.signature).toBe(expectedSignature((await keptTicket(h))!, answer))
  })

  it('cuts the fragment and signs what is left, query included', async () => {
    const h = await harness()
    const answer = await sign(h, 'http://127.0.0.1/app/?code=abc&state=x#/orders?id=1')
    expect(answer.url).toBe('http://127.0.0.1/app/?code=abc&state=x')
    expect(answer.signature).toBe(expectedSignature((await keptTicket(h))!, answer))
  })

  it("passes the mock WeChat's own wx.config check, and only for the URL it signed", async () => {
    const h = await harness()
    const answer = await sign(h, `${PAGE}#/orders`)
    const check = (body: object) =>
      fetch(`${h.mock.baseUrl}/__jssdk/config`, { method: 'POST', body: JSON.stringify(body) })
        .then((response) => response.json() as Promise<{ errMsg: string }>)
        .then((reply) => reply.errMsg)
    expect(await check(answer)).toBe('config:ok')
    expect(await check({ ...answer, url: `${PAGE}&other=1` })).toBe('config:invalid signature')
  })

  it('gives each answer its own nonce', async () => {
    const h = await harness()
    const [a, b] = [await sign(h), await sign(h)]
    expect(a.nonceStr).not.toBe(b.nonceStr)
    expect(a.signature).not.toBe(b.signature)
  })

  it('needs no session', async () => {
    const h = await harness()
    expect((await post(h, '/jssdk', undefined, { url: PAGE })).status).toBe(200)
  })
})

describe('the basic access token and the ticket', () => {
  it('are fetched once for a burst of requests, by one fetch in this instance', async () => {
    const h = await harness()
    // WeChat is slow: every request arrives while the first fetch is still running.
    await h.mock.control.faults({ endpoint: 'stable_token', mode: 'latency', ms: 300, times: 1 })
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => post(h, '/jssdk', undefined, { url: PAGE })),
    )
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200))
    expect(await calls(h)).toMatchObject({ stable_token: 1, ticket: 1, token: 0 })
    // One fetch in this process: the others joined it instead of queuing for the store's lock.
    expect(h.locks()).toBe(1)
  })

  it('are kept: later requests ask WeChat nothing', async () => {
    const h = await harness()
    await sign(h)
    for (let i = 0; i < 5; i += 1) await sign(h)
    expect(await calls(h)).toMatchObject({ stable_token: 1, ticket: 1 })
  })

  it('are fetched again 5 minutes before WeChat says they expire', async () => {
    const h = await harness()
    const first = await keptTicket((await sign(h), h))
    h.advanceBoth(7200 - 301)
    await sign(h)
    expect(await calls(h)).toMatchObject({ stable_token: 1, ticket: 1 })
    h.advanceBoth(2)
    const answer = await sign(h)
    expect(await calls(h)).toMatchObject({ stable_token: 2, ticket: 2 })
    const second = await keptTicket(h)
    expect(second).not.toBe(first)
    expect(answer.signature).toBe(expectedSignature(second!, answer))
  })

  it('keep serving the ticket still valid when its refresh fails', async () => {
    const h = await harness()
    const first = await keptTicket((await sign(h), h))
    h.advanceBoth(7200 - 200)
    await h.mock.control.faults({ endpoint: 'ticket', mode: 'http500' })
    const answer = await sign(h)
    expect(answer.signature).toBe(expectedSignature(first!, answer))
  })

  it('recover from a replaced token with one new token, not one per request', async () => {
    const h = await harness()
    await sign(h)
    const appid = h.proxy.config.mp.appid
    // Another server replaced the token, and the ticket is due: the next fetch meets 40001.
    await h.mock.control.invalidateToken(appid)
    await h.store.forgetCredential(appid, 'ticket', (await keptTicket(h))!)
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => post(h, '/jssdk', undefined, { url: PAGE })),
    )
    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(200))
    // The refused ticket fetch and the one after the new token.
    expect(await calls(h)).toMatchObject({ stable_token: 2, ticket: 3 })
  })

  it('come from /cgi-bin/token in classic mode', async () => {
    const h = await harness({ config: { tokenMode: 'classic' } })
    await sign(h)
    expect(await calls(h)).toMatchObject({ token: 1, stable_token: 0, ticket: 1 })
  })

  it("come from the team's own source instead of WeChat's token endpoints, asked again after a refusal", async () => {
    let asked = 0
    const h: Harness = await harness({
      deps: {
        basicTokenSource: async (appid) => {
          asked += 1
          expect(appid).toBe(h.proxy.config.mp.appid)
          // The team's server: here, WeChat's classic endpoint called by the test itself.
          const { mp } = h.proxy.config
          const query = `grant_type=client_credential&appid=${mp.appid}&secret=${mp.secret}`
          const json = (await (await fetch(`${h.mock.baseUrl}/cgi-bin/token?${query}`)).json()) as {
            access_token: string
            expires_in: number
          }
          return { accessToken: json.access_token, expiresIn: json.expires_in }
        },
      },
    })
    await sign(h)
    expect(asked).toBe(1)
    await h.mock.control.invalidateToken()
    await h.store.forgetCredential(h.proxy.config.mp.appid, 'ticket', (await keptTicket(h))!)
    await sign(h)
    expect(asked).toBe(2)
    // Every token call WeChat saw was the source's own; the proxy made none.
    expect(await calls(h)).toMatchObject({ token: 2, stable_token: 0 })
  })
})

describe("WeChat's refusals on the way to a signature", () => {
  it("answer 500 wechat_misconfigured, and name the server's IP to whitelist in the log only (40164)", async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'info' }, { write: (line) => void (logs += line) })
    const h = await harness({ mock: { ipWhitelist: ['10.9.9.9'] }, logger })
    const reply = await post(h, '/jssdk', undefined, { url: PAGE })
    expect(reply.status).toBe(500)
    expect(errorCode(reply)).toBe('wechat_misconfigured')
    const { message, errcode } = (reply.json as { error: { message: string; errcode: number } })
      .error
    expect(errcode).toBe(40164)
    expect(message).toMatch(/whitelist/i)
    // Anyone may call /jssdk: the server's own address is for the operator, in the log.
    expect(reply.text).not.toContain('127.0.0.1')
    expect(logs).toContain('"whitelistIp":"127.0.0.1"')
  })

  it("answer 429 rate_limited when WeChat's daily quota is used up (45009)", async () => {
    const h = await harness()
    await h.mock.control.quotas({ ticket: 0 })
    const reply = await post(h, '/jssdk', undefined, { url: PAGE })
    expect(reply.status).toBe(429)
    expect(errorCode(reply)).toBe('rate_limited')
    expect((reply.json as { error: { message: string } }).error.message).toMatch(/daily/i)
  })

  it('answer 502 when WeChat refuses the new token too', async () => {
    const h = await harness()
    await h.mock.control.faults({ endpoint: 'ticket', mode: 'errcode', errcode: 40001, times: 2 })
    const reply = await post(h, '/jssdk', undefined, { url: PAGE })
    expect(reply.status).toBe(502)
    expect(errorCode(reply)).toBe('upstream_error')
    // Replaced once, and no more: a stubborn refusal does not burn WeChat's quota. WeChat still
    // handed out the refused token, so the replacement was a forced refresh (the third call).
    expect(await calls(h)).toMatchObject({ stable_token: 3, ticket: 2 })
  })
})

describe('the /jssdk rate limit', () => {
  it('answers 429 beyond RATE_LIMIT a minute, apart from the /openid counter', async () => {
    const h = await harness({ config: { rateLimit: 2 } })
    const statuses = []
    for (let i = 0; i < 3; i += 1)
      statuses.push((await post(h, '/jssdk', undefined, { url: PAGE })).status)
    expect(statuses).toEqual([200, 200, 429])
    expect((await post(h, '/openid', undefined, { code: 'unknown1' })).status).toBe(400)
  })
})
