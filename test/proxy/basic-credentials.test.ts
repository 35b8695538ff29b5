/**
 * The credential cache on its own, with a WeChat made of functions and a memory store on a fake
 * clock: the cases the mock cannot stage (another instance holding the lock, lifetimes WeChat hands
 * out late, a source that answers nonsense).
 */
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../proxy/errors.js'
import { createMemoryStore } from '../../proxy/store/index.js'
import type { Store } from '../../proxy/store/index.js'
import { createBasicCredentials } from '../../proxy/wechat/basic-credentials.js'
import { basicTokenFetcher } from '../../proxy/wechat/basic-token.js'
import type { BasicTokenSource } from '../../proxy/wechat/basic-token.js'
import { errorFromErrcode } from '../../proxy/wechat/errcodes.js'
import type { BasicToken, WechatApi } from '../../proxy/wechat/api.js'

const APP = { appid: 'wx0123456789abcdef', secret: '0123456789abcdef0123456789abcdef' }
const SETTINGS = { appid: 'WECHAT_APPID', secret: 'WECHAT_SECRET' }

/** A stable-token WeChat: the same token until `replace()`, a log of every call's force_refresh. */
function stableWechat(expiresIn = 7200) {
  let current = 1
  const forced: boolean[] = []
  const wechat: Pick<WechatApi, 'stableToken' | 'classicToken' | 'jsapiTicket'> = {
    stableToken: async (_app, force) => {
      forced.push(force)
      if (force) current += 1
      return { accessToken: `token-${current}`, expiresIn }
    },
    classicToken: async () => {
      throw new Error('not in stable mode')
    },
    jsapiTicket: async (token) => ({ ticket: `ticket-of-${token}`, expiresIn }),
  }
  return { wechat, forced }
}

function clock() {
  let now = Date.UTC(2025, 0, 1)
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

function cache(
  options: {
    wechat?: Pick<WechatApi, 'stableToken' | 'classicToken' | 'jsapiTicket'>
    source?: BasicTokenSource
    store?: Store
    now?: () => number
    lockMs?: number
  } = {},
) {
  const { now = clock().now, wechat = stableWechat().wechat } = options
  const store = options.store ?? createMemoryStore({ now })
  const credentials = createBasicCredentials({
    appid: APP.appid,
    fetchToken: basicTokenFetcher({
      app: APP,
      settings: SETTINGS,
      wechat,
      mode: 'stable',
      source: options.source,
    }),
    wechat,
    store,
    logger: pino({ level: 'silent' }),
    now,
    lockMs: options.lockMs ?? 1_000,
    pollMs: 10,
  })
  return { credentials, store }
}

describe('the stable token', () => {
  it('is asked for without force_refresh', async () => {
    const { wechat, forced } = stableWechat()
    expect(await cache({ wechat }).credentials.accessToken()).toBe('token-1')
    expect(forced).toEqual([false])
  })

  it('is forced only when WeChat hands back the token it refused', async () => {
    const { wechat, forced } = stableWechat()
    const { credentials } = cache({ wechat })
    await credentials.forgetAccessToken(await credentials.accessToken())
    expect(await credentials.accessToken()).toBe('token-2')
    expect(forced).toEqual([false, false, true])
  })
})

describe('refreshing', () => {
  it('fetches a token handed out late in its life at half of what it has left, not every time', async () => {
    const time = clock()
    let fetched = 0
    const wechat = {
      ...stableWechat().wechat,
      stableToken: async () => ({ accessToken: `token-${(fetched += 1)}`, expiresIn: 120 }),
    }
    const { credentials } = cache({ wechat, now: time.now })
    await credentials.accessToken()
    time.advance(59_000)
    await credentials.accessToken()
    expect(fetched).toBe(1)
    time.advance(2_000)
    await credentials.accessToken()
    expect(fetched).toBe(2)
  })
})

describe('with another instance holding the lock', () => {
  it('waits for its token in the store', async () => {
    const time = clock()
    const store = createMemoryStore({ now: time.now })
    await store.lockCredentials(APP.appid, 60_000)
    const { credentials } = cache({ store, now: time.now })
    const waiting = credentials.accessToken()
    const credential = {
      value: 'theirs',
      expiresAt: time.now() + 7_200_000,
      refreshAt: time.now() + 6_900_000,
    }
    setTimeout(() => void store.saveCredential(APP.appid, 'token', credential, 7_200_000), 30)
    expect(await waiting).toBe('theirs')
  })

  it('gives up after the bound with upstream_timeout, having asked WeChat nothing', async () => {
    const { wechat, forced } = stableWechat()
    const store = createMemoryStore()
    await store.lockCredentials(APP.appid, 60_000)
    const { credentials } = cache({ wechat, store, lockMs: 100 })
    await expect(credentials.accessToken()).rejects.toMatchObject({ code: 'upstream_timeout' })
    expect(forced).toEqual([])
  })

  it('serves the token still valid while the other refreshes it', async () => {
    const time = clock()
    const { wechat, forced } = stableWechat()
    const { credentials, store } = cache({ wechat, now: time.now })
    await credentials.accessToken()
    time.advance(6_901_000)
    await store.lockCredentials(APP.appid, 60_000)
    expect(await credentials.accessToken()).toBe('token-1')
    expect(forced).toEqual([false])
  })
})

describe('a refused token', () => {
  it('is forgotten only while it is still the stored one', async () => {
    const { credentials, store } = cache()
    await credentials.accessToken()
    await credentials.forgetAccessToken('token-0')
    expect((await store.getCredential(APP.appid, 'token'))?.value).toBe('token-1')
  })

  it('is replaced once for the ticket, and the ticket fetched with its successor', async () => {
    const { wechat } = stableWechat()
    const tokens: string[] = []
    const refusing = {
      ...wechat,
      jsapiTicket: async (token: string) => {
        tokens.push(token)
        if (token === 'token-1') throw errorFromErrcode(40001, undefined, { call: 'basic' })
        return wechat.jsapiTicket(token)
      },
    }
    const { credentials } = cache({ wechat: refusing })
    expect(await credentials.jsapiTicket()).toBe('ticket-of-token-2')
    expect(tokens).toEqual(['token-1', 'token-2'])
  })
})

describe("a team's token source", () => {
  it.each([
    ['no token', { expiresIn: 7200 }],
    ['an empty token', { accessToken: '', expiresIn: 7200 }],
    ['no lifetime', { accessToken: 't' }],
    ['a lifetime of zero', { accessToken: 't', expiresIn: 0 }],
    ['nothing', undefined],
  ])('answering %s is a 502 upstream_error', async (_name, answer) => {
    const source = async () => answer as unknown as BasicToken
    const { credentials } = cache({ source })
    await expect(credentials.accessToken()).rejects.toMatchObject({ code: 'upstream_error' })
  })

  it('failing is a 503 upstream_unavailable, a ProxyError of its own kept as it is', async () => {
    const failing = cache({ source: () => Promise.reject(new Error('down')) }).credentials
    await expect(failing.accessToken()).rejects.toMatchObject({ code: 'upstream_unavailable' })
    const own = new ProxyError('rate_limited', 'central server says wait')
    const proxying = cache({ source: () => Promise.reject(own) }).credentials
    await expect(proxying.accessToken()).rejects.toBe(own)
  })
})
