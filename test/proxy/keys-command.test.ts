/**
 * `wechat-h5-auth-proxy keys` (npm run keys): makes SESSION_JWKS_FILE with mode 0600, rotates it (the
 * new key first, the old kept and dated), drops retired keys once their sessions have expired or by
 * count, and never prints a private key. The file it writes is one the proxy starts with.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../proxy/config.js'
import { createSessionSigner } from '../../proxy/login/session-keys.js'
import { keysCommand } from '../../proxy/host/keys-command.js'

const DAY_MS = 86_400_000
const NOW = Date.UTC(2026, 5, 1)

interface Key {
  kid: string
  kty: string
  alg: string
  d: string
  retired?: string
  added?: string
}

function readKeys(file: string): Key[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { keys: Key[] }).keys
}

/** Runs the command in-process; its output and status. */
async function keys(
  file: string,
  options: {
    alg?: 'ES256' | 'EdDSA'
    rotate?: boolean
    add?: boolean
    promote?: boolean
    dropExpired?: boolean
    keep?: number
    now?: number
  } = {},
) {
  const lines: string[] = []
  const status = await keysCommand({
    file,
    alg: options.alg ?? 'ES256',
    rotate: options.rotate ?? false,
    add: options.add ?? false,
    promote: options.promote ?? false,
    dropExpired: options.dropExpired ?? false,
    ttlSeconds: 7 * 86_400,
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
    now: options.now ?? NOW,
    say: (line) => void lines.push(line),
  })
  return { status, out: lines.join('\n') }
}

/** The `kid` in a session's header. */
const decodeKid = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid

function expectNoPrivateKey(out: string, file: string) {
  for (const key of readKeys(file)) expect(out).not.toContain(key.d)
  expect(out).not.toContain('"d"')
}

describe('the keys command', () => {
  it('creates the file with one ES256 key, mode 0600, that the proxy starts with', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'session-keys.json')
    const { status, out } = await keys(file)
    expect(status).toBe(0)
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    const [key, ...others] = readKeys(file)
    expect(others).toEqual([])
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(out).toContain(key!.kid)
    expectNoPrivateKey(out, file)
    const config = loadConfig({ WECHAT_MOCK: '1', SESSION_JWKS_FILE: file })
    expect(config.sessionJwks?.keys[0]?.kid).toBe(key!.kid)
    expect(config.sessionJwks?.readableByOthers).toBeUndefined()
  })

  it('rotates: the new key first (signing), the old kept with its retirement date; old sessions still verify', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    await keys(file)
    const [old] = readKeys(file)
    const before = createSessionSigner({
      jwks: loadConfig({ SESSION_JWKS_FILE: file }).sessionJwks,
    })
    const session = await before.sign({ openid: 'o1', scope: 'snsapi_base', app: 'mp' }, 3600, NOW)
    const { status, out } = await keys(file, { rotate: true, alg: 'EdDSA' })
    expect(status).toBe(0)
    const [fresh, kept] = readKeys(file)
    expect(fresh).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
    expect(kept).toMatchObject({ kid: old!.kid, d: old!.d, retired: new Date(NOW).toISOString() })
    expect(fresh!.kid).not.toBe(old!.kid)
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    expectNoPrivateKey(out, file)
    expect(out).toMatch(/expire by 2026-06-08/)
    const after = createSessionSigner({ jwks: loadConfig({ SESSION_JWKS_FILE: file }).sessionJwks })
    expect(after.alg).toBe('EdDSA')
    expect((await after.verify(session.token, NOW)).openid).toBe('o1')
  })

  it('rotates in two steps for several instances: every instance verifies every other one’s sessions throughout', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    await keys(file)
    const [old] = readKeys(file)
    /** An instance started with the file as it is now. */
    const instance = () =>
      createSessionSigner({ jwks: loadConfig({ SESSION_JWKS_FILE: file }).sessionJwks })
    const sign = async (signer: ReturnType<typeof instance>, openid: string) =>
      (await signer.sign({ openid, scope: 'snsapi_base', app: 'mp' }, 3600, NOW)).token
    const notRestarted = instance()

    // Step 1: the new key verifies, the old one still signs.
    const added = await keys(file, { add: true, now: NOW })
    expect(added.status).toBe(0)
    const [signer, fresh] = readKeys(file)
    expect(signer).toMatchObject({ kid: old!.kid })
    expect(signer!.retired).toBeUndefined()
    expect(fresh).toMatchObject({ added: new Date(NOW).toISOString() })
    expect(added.out).toMatch(/verifies; added .*, signs after --promote/)
    expectNoPrivateKey(added.out, file)
    const restarted = instance()
    expect(decodeKid(await sign(restarted, 'o1'))).toBe(old!.kid)

    // Step 2, once every instance runs with step 1's file: the new key signs.
    const promoted = await keys(file, { promote: true, now: NOW + DAY_MS })
    expect(promoted.status).toBe(0)
    const [first, second] = readKeys(file)
    expect(first).toMatchObject({ kid: fresh!.kid })
    expect(first!.added).toBeUndefined()
    expect(second).toMatchObject({ kid: old!.kid, retired: new Date(NOW + DAY_MS).toISOString() })
    const promotedInstance = instance()
    const newSession = await sign(promotedInstance, 'o2')
    expect(decodeKid(newSession)).toBe(fresh!.kid)

    // During the second roll, an instance still on step 1's file verifies the new key's sessions,
    // and the promoted one verifies the old key's.
    expect((await restarted.verify(newSession, NOW)).openid).toBe('o2')
    expect((await promotedInstance.verify(await sign(notRestarted, 'o3'), NOW)).openid).toBe('o3')
    // What the one-step --rotate cannot offer: an instance not restarted refuses the new key's sessions.
    await expect(notRestarted.verify(newSession, NOW)).rejects.toThrow()
  })

  it('refuses --promote without a key added by --add, and leaves the file as it was', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    await keys(file)
    await keys(file, { rotate: true })
    const before = readFileSync(file, 'utf8')
    const { status, out } = await keys(file, { promote: true })
    expect(status).toBe(1)
    expect(out).toContain('no key added with --add')
    expect(readFileSync(file, 'utf8')).toBe(before)
    const missing = join(mkdtempSync(join(tmpdir(), 'keys-')), 'none.json')
    expect((await keys(missing, { add: true })).status).toBe(1)
  })

  it('--drop-expired keeps a retired key until SESSION_TTL has passed since its retirement, then drops it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    await keys(file)
    await keys(file, { rotate: true })
    const [first, second] = readKeys(file)
    await keys(file, { dropExpired: true, now: NOW + 7 * DAY_MS - 1 })
    expect(readKeys(file).map((key) => key.kid)).toEqual([first!.kid, second!.kid])
    const { out } = await keys(file, { dropExpired: true, now: NOW + 7 * DAY_MS })
    expect(readKeys(file).map((key) => key.kid)).toEqual([first!.kid])
    expect(out).toContain(`dropped ${second!.kid}`)
  })

  it('--keep N keeps the first N keys; a key without a retirement date is never dropped by --drop-expired', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    await keys(file)
    await keys(file, { rotate: true })
    await keys(file, { rotate: true })
    const all = readKeys(file)
    expect(all).toHaveLength(3)
    // A hand-made file: its second key has no date.
    for (const key of all) delete key.retired
    writeFileSync(file, JSON.stringify({ keys: all }), { mode: 0o600 })
    await keys(file, { dropExpired: true, now: NOW + 365 * DAY_MS })
    expect(readKeys(file)).toHaveLength(3)
    await keys(file, { keep: 1 })
    expect(readKeys(file).map((key) => key.kid)).toEqual([all[0]!.kid])
  })

  it('refuses to rotate a file the proxy would refuse, and leaves it as it was', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    writeFileSync(file, '{"keys": [{"kty": "RSA", "kid": "r"}]}', { mode: 0o600 })
    const { status, out } = await keys(file, { rotate: true })
    expect(status).toBe(1)
    expect(out).toMatch(/RSA key, which is not supported/)
    expect(readFileSync(file, 'utf8')).toBe('{"keys": [{"kty": "RSA", "kid": "r"}]}')
  })

  it('runs as `npm run keys` would (tsx proxy/host/cli.ts keys), with usage errors on a bad flag', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'k.json')
    const run = (...args: string[]) =>
      spawnSync('npx', ['tsx', 'proxy/host/cli.ts', 'keys', ...args], { encoding: 'utf8' })
    const made = run('--file', file, '--alg', 'EdDSA')
    expect(made.status, made.stderr).toBe(0)
    expect(readKeys(file)[0]!.alg).toBe('EdDSA')
    expectNoPrivateKey(made.stdout + made.stderr, file)
    const bad = run('--file', file, '--alg', 'RS256')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--alg must be ES256 or EdDSA/)
  }, 60_000)
})
