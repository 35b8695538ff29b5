/**
 * Two proxy instances sharing one Redis and one WeChat (the standalone mock, its own process): the
 * basic access token and the jsapi_ticket are WeChat's scarcest calls, so the instances fetch them
 * once between them, however many pages ask at the same moment.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { JssdkResponse } from '../../client/wire.js'
import { REDIS_PREFIX } from '../../proxy/store/redis.js'
import { DEMO_MP_APP } from '../../proxy/mock-wechat/index.js'
import { call } from '../helpers/http.js'
import type { Reply } from '../helpers/http.js'
import type { RedisProxy } from '../helpers/redis-proxy.js'
import { redisAndWechat } from './redis-pair.js'

const shared = redisAndWechat()
const PAGE = 'http://127.0.0.1/share?id=1'
const TICKET_KEY = `${REDIS_PREFIX}{basic:${DEMO_MP_APP.appid}}:ticket`

/** `count` signature requests at once, alternating between the instances. */
function burst(proxies: RedisProxy[], count: number): Promise<Reply[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      call(proxies[i % proxies.length]!, 'POST', '/jssdk', { body: { url: PAGE } }),
    ),
  )
}

/** The ticket both instances share, read from Redis. */
async function sharedTicket(): Promise<string> {
  const raw = await shared.admin.get(TICKET_KEY)
  return (JSON.parse(raw ?? '{}') as { value: string }).value
}

function signatureWith(ticket: string, answer: JssdkResponse): string {
  const text = `jsapi_ticket=${ticket}&noncestr=${answer.nonceStr}&timestamp=${answer.timestamp}&url=${answer.url}`
  return createHash('sha1').update(text).digest('hex')
}

describe('two proxy instances on one Redis', () => {
  it('fetch one token and one ticket for a cold burst of signature requests', async () => {
    const proxies = await shared.twoInstances()
    // WeChat takes its time: every request of both instances arrives during the first fetch.
    await shared.mock.control.faults({
      endpoint: 'stable_token',
      mode: 'latency',
      ms: 400,
      times: 1,
    })
    // The figure: 200 requests over the two instances.
    const replies = await burst(proxies, 200)
    expect(replies.map((reply) => reply.status)).toEqual(Array(200).fill(200))
    expect((await shared.mock.control.stats()).calls).toMatchObject({
      stable_token: 1,
      ticket: 1,
      token: 0,
    })
    // Both instances signed with the one ticket kept in Redis.
    const ticket = await sharedTicket()
    for (const reply of replies) {
      const answer = reply.json as JssdkResponse
      expect(answer.signature).toBe(signatureWith(ticket, answer))
    }
  })

  it('recover from a token another server replaced with one new token between them', async () => {
    const proxies = await shared.twoInstances()
    await burst(proxies, 2)
    await shared.mock.control.invalidateToken()
    // The ticket is due: the next fetch meets the dead token (40001).
    await shared.admin.del(TICKET_KEY)
    await shared.mock.control.faults({ endpoint: 'ticket', mode: 'latency', ms: 300, times: 1 })
    const replies = await burst(proxies, 20)
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200))
    // One refused ticket fetch, one new token, one ticket with it: not one of each per request.
    expect((await shared.mock.control.stats()).calls).toMatchObject({ stable_token: 2, ticket: 3 })
  })

  it('leave no lock behind', async () => {
    const proxies = await shared.twoInstances()
    await burst(proxies, 4)
    expect(await shared.admin.exists(`${REDIS_PREFIX}{basic:${DEMO_MP_APP.appid}}:lock`)).toBe(0)
  })
})
