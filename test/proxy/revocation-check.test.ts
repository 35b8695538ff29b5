import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryStore, reachable } from '../../proxy/store/index.js'
import { errorCode, get, login, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

/** Status and error code of GET /session and GET /userinfo for a fresh session, the check answering so. */
async function refusalsWith(check: (id: string) => boolean | Promise<boolean>) {
  const { session } = await login(h)
  vi.spyOn(h.store, 'isSessionRevoked').mockImplementation(check)
  const replies = [await get(h, '/session', session), await get(h, '/userinfo', session)]
  return replies.map((r) => [r.status, errorCode(r)])
}

/**
 * A store may answer the revocation check at once (the memory store) or later (Redis): both answers,
 * and both kinds of failure, must mean the same to every authenticated route.
 */
describe('the revocation check on authenticated calls', () => {
  it('is answered synchronously by the memory store, through the fail-closed wrapper', () => {
    // What lets GET /session answer within the request's own event, with no promise in between.
    expect(reachable(createMemoryStore()).isSessionRevoked('jti')).toBe(false)
  })

  it.each([
    ['at once', () => true],
    ['later', async () => true],
  ])('refuses a session the store says is revoked, answered %s', async (_, answer) => {
    expect(await refusalsWith(answer)).toEqual([
      [401, 'unauthorized'],
      [401, 'unauthorized'],
    ])
  })

  it('accepts a session a store says later is not revoked', async () => {
    const { session, openid } = await login(h)
    vi.spyOn(h.store, 'isSessionRevoked').mockImplementation(async () => false)
    const r = await get(h, '/session', session)
    expect(r.status).toBe(200)
    expect((r.json as { openid: string }).openid).toBe(openid)
  })

  it.each([
    [
      'throws',
      () => {
        throw new Error('store down')
      },
    ],
    ['rejects', async () => Promise.reject(new Error('store down'))],
  ])('answers 503 upstream_unavailable when the check %s', async (_, failure) => {
    expect(await refusalsWith(failure)).toEqual([
      [503, 'upstream_unavailable'],
      [503, 'upstream_unavailable'],
    ])
  })
})
