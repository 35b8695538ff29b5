/**
 * jose is loaded only by a proxy that signs with SESSION_JWKS_FILE's keys: one with HS256 sessions
 * (the default) never evaluates it, which keeps about 40 ms off its start and 2 MB off its memory.
 * A file of its own, so that nothing else here imports jose first.
 */
import { describe, expect, it, vi } from 'vitest'
import { parseSessionJwks } from '../../proxy/config-jwks.js'
import { loadConfig } from '../../proxy/config.js'
import { createWechatProxy } from '../../proxy/index.js'
import { createSessionSigner } from '../../proxy/login/session-keys.js'
import { privateJwk } from '../helpers/config.js'

const loaded = vi.hoisted(() => ({ jose: false }))
vi.mock('jose', async (importOriginal) => {
  loaded.jose = true
  return importOriginal()
})

const CLAIMS = { openid: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0', scope: 'snsapi_base', app: 'mp' } as const
const NOW = Date.now()

describe('jose, loaded only for asymmetric sessions', () => {
  it('is not loaded by an HS256 proxy, nor by its sessions signed and verified', async () => {
    // The whole router's import graph (this file imports it statically), built and closed.
    const router = createWechatProxy(loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent' }))
    await router.close()
    const signer = createSessionSigner({ secret: 's'.repeat(32) })
    const { token } = await signer.sign(CLAIMS, 3600, NOW)
    expect(await signer.verify(token, NOW)).toMatchObject({ openid: CLAIMS.openid })
    expect(loaded.jose).toBe(false)
  })

  it('is loaded once keys sign, and their sessions verify', async () => {
    const parsed = parseSessionJwks({ keys: [privateJwk('ec', 'k1')] })
    if (!('keys' in parsed)) throw new Error(parsed.problem)
    const signer = createSessionSigner({ jwks: parsed })
    const { token } = await signer.sign(CLAIMS, 3600, NOW)
    expect(loaded.jose).toBe(true)
    expect(await signer.verify(token, NOW)).toMatchObject({ openid: CLAIMS.openid })
  })
})
