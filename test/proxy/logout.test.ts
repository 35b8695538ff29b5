import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TEST_USERS } from '../../proxy/mock-wechat/index.js'
import { createLogger } from '../../proxy/logger.js'
import { createMemoryStore } from '../../proxy/store/index.js'
import { errorCode, get, login, post, setup, teardown } from './support.js'
import type { Harness } from './support.js'

let h: Harness

beforeEach(async () => {
  h = await setup()
})

afterEach(teardown)

describe('POST /logout', () => {
  it('answers 204 with no body', async () => {
    const { session } = await login(h)
    const r = await post(h, '/logout', session)
    expect(r.status).toBe(204)
    expect(r.text).toBe('')
  })

  it.each([
    ['GET', '/session'],
    ['GET', '/userinfo'],
    ['POST', '/logout'],
  ])('refuses the logged-out session on %s %s with 401 unauthorized', async (method, path) => {
    const { session } = await login(h)
    await post(h, '/logout', session)
    const r = method === 'GET' ? await get(h, path, session) : await post(h, path, session)
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('unauthorized')
  })

  it('forgets the stored tokens of the user', async () => {
    const { session, openid } = await login(h)
    await post(h, '/logout', session)
    expect(await h.store.getTokens('mp', openid)).toBeUndefined()
  })

  it("leaves another user's session working", async () => {
    const mine = await login(h)
    const theirs = await login(h, { user: TEST_USERS[1]!.id })
    await post(h, '/logout', mine.session)
    expect((await get(h, '/session', theirs.session)).status).toBe(200)
    expect((await get(h, '/userinfo', theirs.session)).status).toBe(200)
  })

  it('answers 401 unauthorized without a session', async () => {
    const r = await post(h, '/logout')
    expect(r.status).toBe(401)
    expect(errorCode(r)).toBe('unauthorized')
  })

  it('answers 401 unauthorized for a garbage session', async () => {
    const r = await post(h, '/logout', 'a.b.c')
    expect(errorCode(r)).toBe('unauthorized')
  })

  it('answers 503 upstream_unavailable when the store is full, and forgets no earlier logout', async () => {
    let logs = ''
    const logger = createLogger({ logLevel: 'error' }, { write: (line) => void (logs += line) })
    const full = await setup({ store: () => createMemoryStore({ maxRevocations: 1 }), logger })
    const first = await login(full)
    const second = await login(full, { user: TEST_USERS[1]!.id })
    expect((await post(full, '/logout', first.session)).status).toBe(204)
    const r = await post(full, '/logout', second.session)
    expect(r.status).toBe(503)
    expect(errorCode(r)).toBe('upstream_unavailable')
    expect((await get(full, '/session', first.session)).status).toBe(401)
    // Only the operator can raise the bound: the log names it.
    expect(logs).toContain('MEMORY_MAX_REVOCATIONS')
  })
})
