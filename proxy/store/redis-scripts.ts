import { createHash } from 'node:crypto'
import type { KeyRoute } from './redis-route.js'
import type { CodeOutcome, CodeRecord } from './types.js'

/** The Lua scripts of the Redis store's code records: each one atomic step for every instance. */

/** A verifierHash as stored: null and strings stay apart (a verifier hash is never '-'). */
export const encodeVerifier = (hash: string | null) => (hash === null ? '-' : `=${hash}`)
export const decodeVerifier = (stored: string) => (stored === '-' ? null : stored.slice(1))

/**
 * KEYS[1] = the code's key, KEYS[2] = its answer's key; ARGV[1] = encoded verifierHash; ARGV[2] =
 * lifetime in ms. One script, so that the check and the write are one step for every instance: two
 * never both win. Returns {1} when claimed, {0, bound verifier} otherwise.
 */
export const CLAIM = `
local record = redis.call('HMGET', KEYS[1], 'state', 'verifier')
if record[1] and not (record[1] == 'released' and record[2] == ARGV[1]) then
  return {0, record[2]}
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'pending', 'verifier', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1}
`

/**
 * KEYS as CLAIM; ARGV[1] = outcome JSON; ARGV[2] = lifetime in ms; ARGV[3] = replay window in ms.
 * Only a kept record, and never a used one (settled, its answer gone): a code stays used. The answer
 * is its own key, which Redis drops when the window ends: the record (state and binding, a few dozen
 * bytes) stays for the code's lifetime and then reads as `used`.
 */
export const SETTLE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'settled' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'settled')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
return 1
`

/**
 * KEYS[1] = a user's tokens key; ARGV[1] = the exchange's tokens (JSON), ARGV[2] = their lifetime in
 * seconds, ARGV[3] = their scope, ARGV[4] = now in epoch ms. Saves them unless they are a silent
 * login's and the kept tokens a consented grant whose refresh_token still lives (memory.ts
 * `downgrades`): the read and the write one step, so a silent login racing a consented one on
 * another instance never replaces it. Returns the kept JSON when it did not save, else nil.
 */
export const KEEP_EXCHANGE_TOKENS = `
if ARGV[3] == 'snsapi_base' then
  local kept = redis.call('GET', KEYS[1])
  if kept then
    local tokens = cjson.decode(kept)
    local refreshable = type(tokens.refreshExpiresAt) == 'number'
      and tokens.refreshExpiresAt > tonumber(ARGV[4])
    if tokens.scope == 'snsapi_userinfo' and refreshable then
      return kept
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`

/** KEYS as CLAIM. The record's state and binding with its answer, read in one step. */
export const READ = `
local record = redis.call('HMGET', KEYS[1], 'state', 'verifier')
return {record[1], record[2], redis.call('GET', KEYS[2])}
`

/**
 * KEYS as CLAIM. Only a pending record (a running exchange) is released; HSET keeps the key's
 * expiry, and a missing key is not created.
 */
export const RELEASE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'released')
return 1
`

/**
 * KEYS[1] = a credential's key; ARGV[1] = the value to forget. Deletes the credential only while it
 * holds that value: the check and the delete are one step, so a token another instance stored in
 * between is never dropped. Returns 1 when it deleted.
 */
export const FORGET_CREDENTIAL = `
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).value == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/**
 * KEYS[1] = a credential's key, KEYS[2] = the lock's key; ARGV[1] = the credential's JSON, ARGV[2] =
 * its lifetime in ms, ARGV[3] = the saver's lock token. Saves unless another holder has the lock
 * (the check and the write one step). Returns 1 when it saved.
 */
export const SAVE_UNDER_LOCK = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`

/** KEYS[1] = the lock's key; ARGV[1] = the holder's token. Releases only the holder's own lock. */
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

export type Script = (keys: string[], args: (string | number)[]) => Promise<unknown>

/**
 * EVALSHA, and EVAL once when Redis does not know the script (first use, or after a restart), on
 * the Redis that holds the first key (every key of a script shares its slot).
 */
export function script(route: KeyRoute, source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex')
  return (keys, args) =>
    route(keys[0]!, async (redis) => {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return redis.eval(source, keys.length, ...keys, ...args)
      }
    })
}

export function parseRecord(
  state: string | null,
  verifier: string | null,
  answer: string | null,
): CodeRecord | undefined {
  if (verifier === null) return undefined
  const verifierHash = decodeVerifier(verifier)
  if (state === 'pending' || state === 'released') return { state, verifierHash }
  if (state === 'settled') {
    // As the memory store: the binding is not reported past the window, a used code answers nobody.
    if (answer === null) return { state: 'used', verifierHash: null }
    return { state, verifierHash, outcome: JSON.parse(answer) as CodeOutcome }
  }
  return undefined
}
