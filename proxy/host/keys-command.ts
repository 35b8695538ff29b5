/**
 * The `keys` command of the proxy's bin (host/cli.ts): makes and rotates SESSION_JWKS_FILE
 * (docs/architecture.md#asymmetric-sessions).
 *
 *   keys --file F                       creates F with one key (ES256 unless --alg EdDSA), or lists its keys
 *   keys --file F --rotate              a new key first (it signs from the next start); the old ones stay
 *   keys --file F --add, then --promote the same in two steps, for several instances: the new key
 *                                       verifies everywhere before any instance signs with it
 *   keys --file F --drop-expired        drops retired keys whose sessions have all expired (--ttl, SESSION_TTL or 7d)
 *   keys --file F --keep N              keeps the first N keys only
 *
 * The file is written with mode 0600, through a temporary file and a rename. Nothing private is ever
 * printed: a key is named by its `kid` (public: /jwks.json serves it).
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { parseDuration } from '../config-env.js'
import { parseSessionJwks } from '../config-jwks.js'
import type { SessionAlgorithm } from '../config-jwks.js'

/** When a key stopped signing (written by --rotate, --promote): what --drop-expired counts from. */
const RETIRED = 'retired'
/** When a key was added to verify only (--add): --promote makes it the signing key. */
const ADDED = 'added'

const USAGE = `Usage: wechat-h5-auth-proxy keys --file <path> [options]

  (no option)          create the file with one key, or list its keys if it exists
  --alg ES256|EdDSA    the kind of key to make (default ES256: EC P-256; EdDSA: Ed25519)
  --rotate             put a new key first: it signs once the proxy restarts; the others still verify
  --add                add a new key second: it only verifies, until --promote (several instances:
                       --add, restart every instance, --promote, restart every instance again)
  --promote            make the key --add added the signing one; the previous one still verifies
  --drop-expired       drop retired keys whose longest session has expired (retired + --ttl)
  --ttl <duration>     the sessions' lifetime, as SESSION_TTL (default: SESSION_TTL, else 7d)
  --keep <n>           keep only the first n keys
`

type Entry = Record<string, unknown> & { kid: string }

interface KeysOptions {
  file: string
  alg: SessionAlgorithm
  rotate: boolean
  add?: boolean
  promote?: boolean
  dropExpired: boolean
  ttlSeconds: number
  keep?: number
  now: number
  say: (line: string) => void
}

/** A new private JWK of `alg`, its kid the RFC 7638 thumbprint of its public half. */
async function newKey(alg: SessionAlgorithm): Promise<Entry> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  const jwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { kid, alg, use: 'sig', ...jwk }
}

/** Writes `keys` to `file` with mode 0600, replacing it in one rename. */
function write(file: string, keys: Entry[]): void {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}`)
  try {
    writeFileSync(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    // The mode given at creation is masked by the umask; 0600 exactly.
    chmodSync(temporary, 0o600)
    renameSync(temporary, file)
  } finally {
    rmSync(temporary, { force: true })
  }
}

const day = (ms: number) => new Date(ms).toISOString()

/** `keys` with the signing key (the first) dated as retired now, unless it already was. */
function retire(keys: Entry[], now: number): Entry[] {
  const [signer] = keys
  if (signer && signer[RETIRED] === undefined) signer[RETIRED] = day(now)
  return keys
}

/** Runs the command; returns the exit status. */
export async function keysCommand(options: KeysOptions): Promise<number> {
  const { file, say, now, ttlSeconds } = options
  let keys: Entry[]
  /** Each key's algorithm as the proxy reads it (parseSessionJwks); a new key states its own. */
  let algOf = new Map<string, SessionAlgorithm>()
  let changed = false
  if (!existsSync(file)) {
    if (options.dropExpired || options.keep !== undefined || options.add || options.promote) {
      say(`${file} does not exist: create it first (--file alone)`)
      return 1
    }
    keys = [await newKey(options.alg)]
    changed = true
    say(`created ${file} with one ${options.alg} key, ${keys[0]!.kid}`)
  } else {
    let value: unknown
    try {
      value = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      say(`${file} cannot be read as JSON`)
      return 1
    }
    const parsed = parseSessionJwks(value)
    if ('problem' in parsed) {
      say(`${file} ${parsed.problem}`)
      return 1
    }
    algOf = new Map(parsed.keys.map((key) => [key.kid, key.alg]))
    keys = (value as { keys: Entry[] }).keys
    if (options.rotate) {
      const fresh = await newKey(options.alg)
      keys = [fresh, ...retire(keys, now)]
      changed = true
      say(`rotated: ${fresh.kid} (${options.alg}) signs once the proxy restarts with ${file}`)
    }
    if (options.add) {
      const fresh = { ...(await newKey(options.alg)), [ADDED]: day(now) }
      keys = [keys[0]!, fresh, ...keys.slice(1)]
      changed = true
      say(
        `added: ${fresh.kid} (${options.alg}) verifies once the proxy restarts with ${file}; ` +
          'restart every instance, then --promote',
      )
    }
    if (options.promote) {
      const staged = keys[1]
      if (staged?.[ADDED] === undefined) {
        say(`${file} has no key added with --add to promote`)
        return 1
      }
      delete staged[ADDED]
      keys = [staged, ...retire([keys[0]!, ...keys.slice(2)], now)]
      changed = true
      say(`promoted: ${staged.kid} signs once the proxy restarts with ${file}`)
    }
    if (options.dropExpired) {
      const kept = keys.filter((key, index) => {
        if (index === 0) return true
        const retired = Date.parse(String(key[RETIRED]))
        // A key that never went through --rotate has no date: kept (--keep drops it).
        return Number.isNaN(retired) || retired + ttlSeconds * 1000 > now
      })
      for (const key of keys) {
        if (!kept.includes(key)) say(`dropped ${key.kid}: every session it signed has expired`)
      }
      changed ||= kept.length !== keys.length
      keys = kept
    }
    if (options.keep !== undefined && keys.length > options.keep) {
      for (const key of keys.slice(options.keep)) {
        say(`dropped ${key.kid}: sessions it signed no longer verify`)
      }
      keys = keys.slice(0, options.keep)
      changed = true
    }
  }
  if (changed) write(file, keys)
  for (const [index, key] of keys.entries()) {
    const alg = algOf.get(key.kid) ?? String(key.alg)
    const retired = Date.parse(String(key[RETIRED]))
    let role: string
    if (index === 0) role = 'signs'
    else if (key[ADDED] !== undefined)
      role = `verifies; added ${String(key[ADDED])}, signs after --promote`
    else if (Number.isNaN(retired))
      role = 'verifies (no retirement date: not dropped by --drop-expired)'
    else {
      const until = retired + ttlSeconds * 1000
      role =
        until > now
          ? `verifies; retired ${day(retired)}, its sessions expire by ${day(until)}`
          : `verifies; retired ${day(retired)}, every session it signed has expired: --drop-expired drops it`
    }
    say(`  ${key.kid}  ${alg}  ${role}`)
  }
  return 0
}

/** Reads the command line; the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`)
  const fail = (line: string) => {
    process.stderr.write(`${line}\n\n${USAGE}`)
    return 2
  }
  const [command, ...rest] = argv
  if (command !== 'keys') return fail(command ? `unknown command: ${command}` : 'no command')
  let values
  try {
    ;({ values } = parseArgs({
      args: rest,
      options: {
        file: { type: 'string' },
        alg: { type: 'string', default: 'ES256' },
        rotate: { type: 'boolean', default: false },
        add: { type: 'boolean', default: false },
        promote: { type: 'boolean', default: false },
        'drop-expired': { type: 'boolean', default: false },
        ttl: { type: 'string' },
        keep: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }))
  } catch (error) {
    return fail((error as Error).message)
  }
  if (values.help) {
    say(USAGE)
    return 0
  }
  if (!values.file) return fail('--file is required')
  if ([values.rotate, values.add, values.promote].filter(Boolean).length > 1) {
    return fail('--rotate, --add and --promote are one at a time')
  }
  if (values.alg !== 'ES256' && values.alg !== 'EdDSA') return fail('--alg must be ES256 or EdDSA')
  const ttl = values.ttl ?? env.SESSION_TTL?.trim() ?? '7d'
  const ttlSeconds = parseDuration(ttl || '7d')
  if (ttlSeconds === undefined)
    return fail('--ttl (or SESSION_TTL) must be a duration like 3600, 12h or 7d')
  let keep: number | undefined
  if (values.keep !== undefined) {
    if (!/^[1-9]\d*$/.test(values.keep)) return fail('--keep must be a whole number of at least 1')
    keep = Number(values.keep)
  }
  return keysCommand({
    file: values.file,
    alg: values.alg,
    rotate: values.rotate,
    add: values.add,
    promote: values.promote,
    dropExpired: values['drop-expired'],
    ttlSeconds,
    ...(keep !== undefined ? { keep } : {}),
    now: Date.now(),
    say,
  })
}
