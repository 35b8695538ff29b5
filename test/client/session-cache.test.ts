import { describe, expect, it } from 'vitest'
import type { CachedSession } from '../../client/index'
import { safeStorage } from '../../client/safe-storage'
import { SESSION_PREFIX, loadSession } from '../../client/session-cache'
import { memoryStorage } from './helpers'

const NOW = 1_000_000
const KEY = 'wechat-h5-auth:v1:session:wxA'

const session: CachedSession = {
  openid: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0',
  scope: 'snsapi_base',
  app: 'mp',
  session: 'a.b.c',
  expiresAt: NOW + 1000,
}

function setup(appid = 'wxA') {
  const raw = memoryStorage()
  let time = NOW
  const storage = safeStorage(() => raw, SESSION_PREFIX)
  // What the runtime does with the cache: save under the appid, load through loadSession.
  const cache = {
    load: () => loadSession(storage, appid, time),
    save: (s: CachedSession) => storage.set(appid, s),
  }
  return { raw, cache, setTime: (t: number) => (time = t) }
}

describe('session cache', () => {
  it('loads what it saved', () => {
    const { cache } = setup()
    cache.save(session)
    expect(cache.load()).toEqual(session)
  })

  it('stores the session under a key with the appid', () => {
    const { raw, cache } = setup()
    cache.save(session)
    expect(JSON.parse(raw.getItem(KEY) ?? 'null')).toEqual(session)
  })

  it("never loads another appid's session, and leaves it in place", () => {
    const { raw, cache } = setup('wxB')
    raw.setItem(KEY, JSON.stringify(session))
    expect(cache.load()).toBeUndefined()
    expect(JSON.parse(raw.getItem(KEY) ?? 'null')).toEqual(session)
  })

  it('drops corrupt JSON', () => {
    const { raw, cache } = setup()
    raw.setItem(KEY, '{"openid":')
    expect(cache.load()).toBeUndefined()
    expect(raw.getItem(KEY)).toBeNull()
  })

  it('drops an entry of the wrong shape', () => {
    const { raw, cache } = setup()
    raw.setItem(KEY, JSON.stringify({ ...session, openid: 42 }))
    expect(cache.load()).toBeUndefined()
  })

  it('drops an entry with an unknown scope', () => {
    const { raw, cache } = setup()
    raw.setItem(KEY, JSON.stringify({ ...session, scope: 'snsapi_privateinfo' }))
    expect(cache.load()).toBeUndefined()
  })

  it("keeps a website app's snsapi_login session", () => {
    const { raw, cache } = setup()
    raw.setItem(KEY, JSON.stringify({ ...session, scope: 'snsapi_login', app: 'web' }))
    expect(cache.load()).toMatchObject({ scope: 'snsapi_login', app: 'web' })
  })

  it('drops an expired session', () => {
    const { raw, cache, setTime } = setup()
    cache.save(session)
    setTime(session.expiresAt)
    expect(cache.load()).toBeUndefined()
    expect(raw.getItem(KEY)).toBeNull()
  })
})
