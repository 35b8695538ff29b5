import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { REPLAY_WINDOW_SECONDS } from '../../proxy/login/exchange.js'
import { createMemoryStore } from '../../proxy/store/index.js'
import { DEMO_WEB_APP } from '../../proxy/mock-wechat/index.js'
import { call } from '../helpers/http.js'
import { createGate } from '../helpers/gate.js'
import { startProxy } from '../helpers/proxy-server.js'
import { errorCode, post, setup, teardown } from './support.js'
import type { Harness, Reply } from './support.js'

afterEach(teardown)

const verifier = () => randomBytes(32).toString('base64url')

async function newCode(h: Harness, appid?: string): Promise<string> {
  const [code] = await h.mock.control.codes({ count: 1, ...(appid ? { appid } : {}) })
  if (!code) throw new Error('the mock issued no code')
  return code
}

async function exchangeCalls(h: Harness): Promise<number> {
  return (await h.mock.control.stats()).calls.access_token
}

function send(h: Harness, body: Record<string, string>): Promise<Reply> {
  return post(h, '/openid', undefined, body)
}

describe('one WeChat exchange per code', () => {
  it('makes one WeChat call for 10 simultaneous requests with the same verifier', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    await Promise.all(Array.from({ length: 10 }, () => send(h, body)))
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('gives 10 simultaneous requests with the same verifier the same answer', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    const replies = await Promise.all(Array.from({ length: 10 }, () => send(h, body)))
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(new Set(replies.map((r) => r.text)).size).toBe(1)
  })

  it('answers one of 10 simultaneous requests with different verifiers, the rest 409', async () => {
    const h = await setup()
    const code = await newCode(h)
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => send(h, { code, verifier: verifier() })),
    )
    const statuses = replies.map((r) => r.status).sort()
    expect(statuses).toEqual([200, ...Array(9).fill(409)])
    expect(replies.filter((r) => r.status === 409).every((r) => errorCode(r) === 'code_used')).toBe(
      true,
    )
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('replays the same JSON to the same verifier without calling WeChat again', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    const first = await send(h, body)
    const again = await send(h, body)
    expect(again.status).toBe(200)
    expect(again.text).toBe(first.text)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('answers 409 code_used to another verifier after the exchange', async () => {
    const h = await setup()
    const code = await newCode(h)
    await send(h, { code, verifier: verifier() })
    const other = await send(h, { code, verifier: verifier() })
    expect(other.status).toBe(409)
    expect(errorCode(other)).toBe('code_used')
    expect(other.text).not.toContain('session')
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('answers 409 code_used to a repeat without a verifier', async () => {
    const h = await setup()
    const code = await newCode(h)
    await send(h, { code, verifier: verifier() })
    const bare = await send(h, { code })
    expect(bare.status).toBe(409)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('answers 409 code_used to a repeat without a verifier when the first had none', async () => {
    const h = await setup()
    const code = await newCode(h)
    expect((await send(h, { code })).status).toBe(200)
    const bare = await send(h, { code })
    expect(bare.status).toBe(409)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it("replays WeChat's definitive refusal to the same verifier without calling again", async () => {
    const h = await setup()
    const body = { code: 'neverIssuedCode123', verifier: verifier() }
    const first = await send(h, body)
    const again = await send(h, body)
    expect(first.status).toBe(400)
    expect(again.text).toBe(first.text)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('keeps an official-account code for its 5-minute lifetime only', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    await send(h, body)
    h.advanceBoth(301)
    await send(h, body)
    expect(await exchangeCalls(h)).toBe(2)
  })

  it('keeps a website-app code as used for its 10-minute lifetime', async () => {
    const h = await setup()
    const body = { code: await newCode(h, DEMO_WEB_APP.appid), verifier: verifier(), app: 'web' }
    await send(h, body)
    h.advanceBoth(590)
    const late = await send(h, body)
    expect(late.status).toBe(409)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('replays the answer to the same verifier until the end of the replay window', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    const first = await send(h, body)
    h.advanceBoth(REPLAY_WINDOW_SECONDS - 1)
    const again = await send(h, body)
    expect(again.status).toBe(200)
    expect(again.text).toBe(first.text)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('answers 409 code_used to the same verifier after the replay window, without WeChat', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    expect((await send(h, body)).status).toBe(200)
    h.advanceBoth(REPLAY_WINDOW_SECONDS + 1)
    const late = await send(h, body)
    expect(late.status).toBe(409)
    expect(errorCode(late)).toBe('code_used')
    expect(late.text).not.toContain('session')
    expect(await exchangeCalls(h)).toBe(1)
  })

  it("answers 409 code_used after the window to a replay of WeChat's refusal too", async () => {
    const h = await setup()
    const body = { code: 'neverIssuedCode123', verifier: verifier() }
    expect((await send(h, body)).status).toBe(400)
    h.advanceBoth(REPLAY_WINDOW_SECONDS + 1)
    expect(errorCode(await send(h, body))).toBe('code_used')
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('never keeps the code or the verifier in the store', async () => {
    const h = await setup()
    const store = createMemoryStore()
    const seen: string[] = []
    const claimCode = store.claimCode.bind(store)
    store.claimCode = async (key, verifierHash, ttl) => {
      seen.push(key, String(verifierHash))
      return claimCode(key, verifierHash, ttl)
    }
    const proxy = await startProxy({ apiBase: h.mock.baseUrl }, { store })
    try {
      const body = { code: await newCode(h), verifier: verifier() }
      const response = await call(proxy, 'POST', '/openid', { body })
      expect(response.status).toBe(200)
      expect(seen).toHaveLength(2)
      for (const value of seen) {
        expect(value).not.toContain(body.code)
        expect(value).not.toContain(body.verifier)
      }
    } finally {
      await proxy.close()
    }
  })
})

describe('an exchange that failed in transit', () => {
  it('lets the same browser try again after a dropped connection', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'reset', times: 1 })
    expect((await send(h, body)).status).toBe(503)
    expect((await send(h, body)).status).toBe(200)
  })

  it('answers the same browser 409 code_used after WeChat consumed the code', async () => {
    const h = await setup()
    const body = { code: await newCode(h), verifier: verifier() }
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'consume-then-reset', times: 1 })
    expect((await send(h, body)).status).toBe(503)
    const retry = await send(h, body)
    expect(retry.status).toBe(409)
    expect(retry.json).toMatchObject({ error: { code: 'code_used', errcode: 40163 } })
  })

  it('still refuses another browser the code', async () => {
    const h = await setup()
    const code = await newCode(h)
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'reset', times: 1 })
    await send(h, { code, verifier: verifier() })
    const other = await send(h, { code, verifier: verifier() })
    expect(other.status).toBe(409)
    expect(await exchangeCalls(h)).toBe(1)
  })

  it('gives simultaneous requests of the same browser the same failure', async () => {
    const h = await setup({ config: { upstreamTimeoutMs: 200 } })
    const body = { code: await newCode(h), verifier: verifier() }
    await h.mock.control.faults({ endpoint: 'access_token', mode: 'latency', ms: 600, times: 1 })
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(h, body)))
    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(504))
    expect(await exchangeCalls(h)).toBe(1)
  })
})

describe('two proxy instances sharing one store', () => {
  it('let a request on the second wait for the exchange running on the first', async () => {
    const h = await setup()
    const shared = h.store
    // The first keeps its exchange pending in the store until the test lets it settle; the second
    // says when it has read the code as pending, i.e. when it waits.
    const settling = createGate()
    const waiting = createGate()
    const first = await startProxy(
      { apiBase: h.mock.baseUrl },
      {
        store: {
          ...shared,
          settleCode: async (...args) => {
            await settling.pass()
            return shared.settleCode(...args)
          },
        },
      },
    )
    const second = await startProxy(
      { apiBase: h.mock.baseUrl },
      {
        store: {
          ...shared,
          readCode: async (key) => {
            const record = await shared.readCode(key)
            if (record?.state === 'pending') void waiting.pass()
            return record
          },
        },
      },
    )
    try {
      const body = { code: await newCode(h), verifier: verifier() }
      const answer = call(first, 'POST', '/openid', { body })
      await settling.reached
      const other = call(second, 'POST', '/openid', { body })
      await waiting.reached
      settling.open()
      expect((await other).status).toBe(200)
      expect((await other).text).toBe((await answer).text)
      expect(await exchangeCalls(h)).toBe(1)
    } finally {
      await first.close()
      await second.close()
    }
  })

  it('refuse another browser on the second instance', async () => {
    const h = await setup()
    const store = h.store
    const second = await startProxy({ apiBase: h.mock.baseUrl }, { store })
    try {
      const code = await newCode(h)
      await send(h, { code, verifier: verifier() })
      const other = await call(second, 'POST', '/openid', { body: { code, verifier: verifier() } })
      expect(other.status).toBe(409)
    } finally {
      await second.close()
    }
  })
})
