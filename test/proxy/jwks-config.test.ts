/**
 * SESSION_JWKS_FILE at start-up: loadConfig reads and checks the file strictly, and a problem is a
 * ConfigError naming SESSION_JWKS_FILE and what is wrong, never quoting key material.
 */
import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../proxy/config.js'
import type { Env } from '../../proxy/config-env.js'

const dir = mkdtempSync(join(tmpdir(), 'jwks-config-'))
let files = 0

function jwk(kind: 'ec' | 'ed25519' | 'rsa', kid?: string): Record<string, string> {
  const { privateKey } =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519')
  const key = privateKey.export({ format: 'jwk' }) as Record<string, string>
  return kid === undefined ? key : { ...key, kid }
}

/** Writes `content` (text, or JSON of an object) to a new file with mode 0600. */
function file(content: unknown): string {
  const path = join(dir, `keys-${++files}.json`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  chmodSync(path, 0o600)
  return path
}

const PRODUCTION: Env = {
  NODE_ENV: 'production',
  WECHAT_APPID: 'wx0123456789abcdef',
  WECHAT_SECRET: '0123456789abcdef0123456789abcdef',
}

function configError(env: Env): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('loadConfig accepted the configuration')
}

describe('SESSION_JWKS_FILE', () => {
  it('in production, the keys replace SESSION_SECRET: no secret needed, none made up', () => {
    const ec = jwk('ec', 'k1')
    const config = loadConfig({ ...PRODUCTION, SESSION_JWKS_FILE: file({ keys: [ec] }) })
    expect(config.sessionJwks?.keys.map((key) => [key.kid, key.alg])).toEqual([['k1', 'ES256']])
    expect(config.sessionSecret).toBe('')
    expect(config.sessionSecretGenerated).toBe(false)
    expect(config.sessionJwks?.readableByOthers).toBeUndefined()
    // Without either, production still refuses to start, and says both ways.
    expect(configError(PRODUCTION).problems).toEqual([
      {
        variable: 'SESSION_SECRET',
        problem: expect.stringMatching(/required in production .* unless SESSION_JWKS_FILE/),
      },
    ])
  })

  it('is optional: without it nothing changes (HS256 with SESSION_SECRET)', () => {
    const config = loadConfig({ ...PRODUCTION, SESSION_SECRET: 'x'.repeat(32) })
    expect(config.sessionJwks).toBeUndefined()
    expect(config.sessionSecret).toBe('x'.repeat(32))
  })

  it('flags a file others can read (the router warns), without refusing it', () => {
    const path = file({ keys: [jwk('ed25519', 'k1')] })
    chmodSync(path, 0o644)
    const config = loadConfig({ ...PRODUCTION, SESSION_JWKS_FILE: path })
    expect(config.sessionJwks?.readableByOthers).toBe(process.platform !== 'win32')
  })

  it('refuses each bad file with a ConfigError naming SESSION_JWKS_FILE and what is wrong, never a key', () => {
    const ec = jwk('ec', 'k1')
    const rsa = jwk('rsa', 'r1')
    const publicOnly: Record<string, string> = { ...ec }
    delete publicOnly.d
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /cannot be read \(ENOENT\)/],
      [dir, /cannot be read \(EISDIR\)/],
      [file(`{"keys": [${JSON.stringify(ec)}`), /is not valid JSON/],
      [file([ec]), /must be a JSON object \{"keys"/],
      [file({ keys: [] }), /has no keys/],
      [file({ keys: [jwk('ec')] }), /keys\[0\] has no "kid"/],
      [file({ keys: [ec, jwk('ed25519', 'k1')] }), /keys\[1\] has the same "kid"/],
      [file({ keys: [publicOnly] }), /keys\[0\] is a public key/],
      [
        file({ keys: [rsa] }),
        /keys\[0\] is an RSA key, which is not supported: ES256 .* or EdDSA .* only/,
      ],
      [file({ keys: [{ ...ec, crv: 'P-384' }] }), /unsupported curve/],
      [file({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'o' }] }), /symmetric \(oct\)/],
    ]
    for (const [path, expected] of cases) {
      const error = configError({ ...PRODUCTION, SESSION_JWKS_FILE: path })
      expect(error.problems.map((p) => p.variable)).toEqual(['SESSION_JWKS_FILE'])
      expect(error.message).toMatch(expected)
      for (const value of [ec.d, ec.x, ec.y, rsa.d, rsa.n])
        expect(error.message).not.toContain(value)
    }
  })

  it('still checks SESSION_SECRET when both are set (the secret then verifies older HS256 sessions)', () => {
    const path = file({ keys: [jwk('ec', 'k1')] })
    const error = configError({ ...PRODUCTION, SESSION_JWKS_FILE: path, SESSION_SECRET: 'short' })
    expect(error.problems.map((p) => p.variable)).toEqual(['SESSION_SECRET'])
  })
})
