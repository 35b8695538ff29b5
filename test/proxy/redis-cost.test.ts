/**
 * What one login costs in Redis (docs/deploy.md quotes these figures): the commands each endpoint
 * sends, seen with MONITOR, and the memory of the keys a login leaves, seen with MEMORY USAGE.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { startRedisServer } from '../helpers/redis-server.js'
import type { RunningRedis } from '../helpers/redis-server.js'
import { call } from '../helpers/http.js'
import { startRedisProxy, verifier } from '../helpers/redis-proxy.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'

let redis: RunningRedis
let mock: RunningMockWechat
let proxy: RedisProxy
let admin: Redis
let monitor: Redis | undefined
/** Commands sent over the network (not those a script runs inside Redis), lower case. */
const seen: string[] = []

beforeAll(async () => {
  ;[redis, mock] = await Promise.all([startRedisServer(), startMockWechat()])
  admin = new Redis(redis.url)
  monitor = await new Redis(redis.url).monitor()
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args.join(' ').toLowerCase())
  })
  proxy = await startRedisProxy({
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    REDIS_URL: redis.url,
    WECHAT_API_BASE: mock.baseUrl,
  })
})

afterAll(async () => {
  await proxy?.close()
  monitor?.disconnect()
  admin?.disconnect()
  await Promise.all([redis?.stop(), mock?.close()])
})

beforeEach(async () => {
  await admin.flushdb()
})

/** Sends a marker through Redis and waits until MONITOR reported it; its index in `seen`. */
async function mark(): Promise<number> {
  const marker = `marker-${randomBytes(8).toString('hex')}`
  await admin.echo(marker)
  // MONITOR lists commands in the order Redis ran them, but reports them a little later.
  await expect.poll(() => seen.some((line) => line.includes(marker)), { timeout: 2_000 }).toBe(true)
  return seen.findIndex((line) => line.includes(marker))
}

/** The names of the commands `run` made the proxy send, in order. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  const start = await mark()
  await run()
  const end = await mark()
  return seen.slice(start + 1, end).map((line) => line.split(' ')[0] ?? '')
}

async function login(scope: 'snsapi_base' | 'snsapi_userinfo', user = 'zhangxiaoming') {
  const [code] = await mock.control.codes({ count: 1, scope, user })
  const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier: verifier(1) } })
  expect(reply.status).toBe(200)
  return reply.json as { openid: string; session: string }
}

describe('the Redis cost of a login', () => {
  beforeEach(async () => {
    // Redis knows the scripts after the first login (the first call of each sends it once, EVAL).
    await login('snsapi_userinfo')
  })

  it('/openid with consent: rate limit, claim, tokens, outcome (4 round trips)', async () => {
    const commands = await commandsOf(() => login('snsapi_userinfo'))
    expect(commands).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha'])
  })

  it('/openid silent, new user: the tokens kept in the same one step (4)', async () => {
    const commands = await commandsOf(() => login('snsapi_base', 'lisisi'))
    expect(commands).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha'])
  })

  it('/openid silent, user who consented before: the grant is kept, not rewritten (4)', async () => {
    const { openid } = await login('snsapi_base')
    const commands = await commandsOf(() => login('snsapi_base'))
    expect(commands).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha'])
    const kept = JSON.parse((await admin.get(`wechat-h5-auth:tokens:mp:${openid}`)) ?? '{}')
    expect(kept).toMatchObject({ scope: 'snsapi_userinfo' })
  })

  it('/openid replayed by the same browser: the kept answer (3)', async () => {
    const [code] = await mock.control.codes({ count: 1 })
    const body = { code, verifier: verifier(1) }
    expect((await call(proxy, 'POST', '/openid', { body })).status).toBe(200)
    // The first replay loads the read script (EVALSHA refused, then EVAL): the next ones do not.
    expect((await call(proxy, 'POST', '/openid', { body })).status).toBe(200)
    const commands = await commandsOf(() => call(proxy, 'POST', '/openid', { body }))
    expect(commands).toEqual(['evalsha', 'evalsha', 'evalsha'])
  })

  it('/session: the revocation check (1)', async () => {
    const { session } = await login('snsapi_userinfo')
    expect(await commandsOf(() => call(proxy, 'GET', '/session', { session }))).toEqual(['exists'])
  })

  it('/userinfo: the revocation check, the per-client and per-session limits, the tokens (4)', async () => {
    const { session } = await login('snsapi_userinfo')
    const commands = await commandsOf(() => call(proxy, 'GET', '/userinfo', { session }))
    expect(commands).toEqual(['exists', 'evalsha', 'evalsha', 'get'])
    const counters = await admin.keys('wechat-h5-auth:rl:*:*')
    expect(counters.map((key) => key.split(':')[2]).sort()).toEqual(['session', 'wechat'])
  })

  it('/userinfo answered from the session cache: the revocation check and the tokens (2)', async () => {
    const { session } = await login('snsapi_userinfo')
    await call(proxy, 'GET', '/userinfo', { session })
    const commands = await commandsOf(() => call(proxy, 'GET', '/userinfo', { session }))
    expect(commands).toEqual(['exists', 'get'])
  })

  it('/logout: the check, the revocation, the tokens (3)', async () => {
    const { session } = await login('snsapi_userinfo')
    const commands = await commandsOf(() => call(proxy, 'POST', '/logout', { session }))
    expect(commands).toEqual(['exists', 'set', 'del'])
  })

  it('keeps each key of a login within the sizes documented', async () => {
    await admin.flushdb()
    const { session } = await login('snsapi_userinfo')
    expect((await call(proxy, 'POST', '/logout', { session })).status).toBe(204)
    // After logout the tokens are gone; sign in again to measure them (and the counters of a
    // call that reaches WeChat).
    const again = await login('snsapi_userinfo')
    expect((await call(proxy, 'GET', '/userinfo', { session: again.session })).status).toBe(200)
    const sizes: Record<string, number> = {}
    for (const key of await admin.keys('wechat-h5-auth:*')) {
      const kind = key.endsWith(':answer')
        ? 'answer'
        : key.includes(':rl:session:')
          ? 'rl-session'
          : (key.split(':')[1] ?? '').replace('{', '')
      sizes[kind] = Math.max(sizes[kind] ?? 0, (await admin.memory('USAGE', key)) ?? 0)
    }
    expect(Object.keys(sizes).sort()).toEqual([
      'answer',
      'code',
      'revoked',
      'rl',
      'rl-session',
      'tokens',
    ])
    expect(sizes.code).toBeLessThanOrEqual(240)
    expect(sizes.answer).toBeLessThanOrEqual(720)
    expect(sizes.tokens).toBeLessThanOrEqual(550)
    expect(sizes.revoked).toBeLessThanOrEqual(120)
    expect(sizes.rl).toBeLessThanOrEqual(90)
    expect(sizes['rl-session']).toBeLessThanOrEqual(110)
  })
})
