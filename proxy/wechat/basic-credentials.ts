import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { ProxyError } from '../errors.js'
import type { CredentialName, Store, StoredCredential } from '../store/index.js'
import type { FetchBasicToken } from './basic-token.js'
import { isRefreshable } from './errcodes.js'
import type { WechatApi } from './types.js'

/**
 * The basic access_token and the jsapi_ticket of one official account (docs/wechat.md#js-sdk-signing),
 * kept in the store for every instance.
 */
export interface BasicCredentials {
  /** The basic access_token: the stored one while it is fresh, else fetched once for every caller. */
  accessToken(): Promise<string>
  /** The jsapi_ticket, kept the same way; fetched with the basic access_token. */
  jsapiTicket(): Promise<string>
  /**
   * WeChat refused `token` (40001, 40014, 42001): it is forgotten if it is still the stored one
   * (another instance may have replaced it already), and the next `accessToken()` fetches another.
   */
  forgetAccessToken(token: string): Promise<void>
}

export interface BasicCredentialsOptions {
  appid: string
  fetchToken: FetchBasicToken
  wechat: Pick<WechatApi, 'jsapiTicket'>
  /** Wrapped with `reachable`: a failing store is `upstream_unavailable`. */
  store: Store
  logger: Logger
  now: () => number
  /** How long one fetch may hold the lock, and so how long a caller waits for another's fetch. */
  lockMs: number
  /** Fetched this long before WeChat's expiry. @default 300_000 */
  marginMs?: number
  /** How often a caller waiting for another instance's fetch reads the store. @default 50 */
  pollMs?: number
}

export function createBasicCredentials(options: BasicCredentialsOptions): BasicCredentials {
  const { appid, fetchToken, wechat, store, logger, now, lockMs } = options
  const { marginMs = 300_000, pollMs = 50 } = options
  /** Fetches running in this process: concurrent callers share one. */
  const flights = new Map<CredentialName, Promise<string>>()
  /** The token WeChat refused last here: a fetch that brings it back asks for a new one. */
  let refused: string | undefined

  /** Its value until it is due (refreshAt). */
  const fresh = (kept?: StoredCredential) =>
    kept && now() < kept.refreshAt ? kept.value : undefined
  /** Its value until WeChat stops accepting it (expiresAt). */
  const alive = (kept?: StoredCredential) =>
    kept && now() < kept.expiresAt ? kept.value : undefined

  /** Keeps what WeChat gave, unless the lock `lock` was lost meanwhile (see saveCredential). */
  async function save(
    name: CredentialName,
    value: string,
    expiresIn: number,
    lock: string,
  ): Promise<void> {
    const lifetime = expiresIn * 1000
    // `marginMs` before the end; a credential handed out late in its life (a stable token's
    // expires_in is what it has left) at half of what it has left, so that one coming back with
    // less and less left is fetched a few times, not on every request.
    const refreshIn = Math.max(lifetime - marginMs, lifetime / 2)
    const at = now()
    const credential = { value, expiresAt: at + lifetime, refreshAt: at + refreshIn }
    if (!(await store.saveCredential(appid, name, credential, lifetime, lock))) {
      // The fetch outlived the lock and another instance holds it now: what it stores is newer.
      logger.warn({ appid, credential: name, outcome: 'not_kept' }, 'lock lost during the fetch')
      return
    }
    logger.info({ appid, credential: name, outcome: 'fetched', expiresIn }, 'credential fetched')
  }

  async function fetchAccessToken(lock: string): Promise<string> {
    const { accessToken, expiresIn } = await fetchToken(refused)
    await save('token', accessToken, expiresIn, lock)
    return accessToken
  }

  /**
   * A ticket fetched with the token (docs/wechat.md#jsapi_ticket); a refused token is forgotten, if
   * it is still the stored one, and replaced once, and the fetch retried once.
   */
  async function fetchTicket(lock: string): Promise<string> {
    const token = await fetchUnderLock('token', lock)
    const ticket = await wechat.jsapiTicket(token).catch(async (error: unknown) => {
      if (!isRefreshable(error)) throw error
      logger.warn({ appid, credential: 'token', outcome: 'refused' }, 'basic access token refused')
      await forgetAccessToken(token)
      return wechat.jsapiTicket(await fetchUnderLock('token', lock))
    })
    await save('ticket', ticket.ticket, ticket.expiresIn, lock)
    return ticket.ticket
  }

  async function forgetAccessToken(token: string): Promise<void> {
    refused = token
    await store.forgetCredential(appid, 'token', token)
  }

  /**
   * The fetch itself, by the holder of the lock: what another holder stored meanwhile first. While
   * WeChat fails, a credential that is due but not dead serves until its end.
   */
  async function fetchUnderLock(name: CredentialName, lock: string): Promise<string> {
    const kept = await store.getCredential(appid, name)
    const current = fresh(kept)
    if (current !== undefined) return current
    try {
      return await (name === 'token' ? fetchAccessToken(lock) : fetchTicket(lock))
    } catch (error) {
      const serving = alive(kept)
      if (serving === undefined) throw error
      // `error`, not `code`: the logger redacts every field named code (WeChat's login codes).
      const { code: failure, errcode } =
        error instanceof ProxyError ? error : { code: undefined, errcode: undefined }
      logger.warn(
        { appid, credential: name, outcome: 'refresh_failed', error: failure, errcode },
        'credential refresh failed; the current one serves until it expires',
      )
      return serving
    }
  }

  /**
   * One fetch for every instance: the holder of the store's lock fetches; the others serve the one
   * kept while it lives, or wait for the holder's value by reading the store, within `lockMs`.
   */
  async function renew(name: CredentialName, kept: StoredCredential | undefined): Promise<string> {
    const deadline = performance.now() + lockMs
    let current = alive(kept)
    for (;;) {
      const lock = await store.lockCredentials(appid, lockMs)
      if (lock !== undefined) {
        try {
          return await fetchUnderLock(name, lock)
        } finally {
          // A lock that cannot be released expires by itself after lockMs.
          await store.unlockCredentials(appid, lock).catch(() => undefined)
        }
      }
      if (current !== undefined) return current
      if (performance.now() + pollMs > deadline) {
        const what = name === 'token' ? 'the basic access token' : 'the jsapi_ticket'
        throw new ProxyError(
          'upstream_timeout',
          `Another instance is fetching ${what} from WeChat and did not finish in time`,
        )
      }
      await sleep(pollMs)
      const stored = await store.getCredential(appid, name)
      const value = fresh(stored)
      if (value !== undefined) return value
      current = alive(stored)
    }
  }

  async function get(name: CredentialName): Promise<string> {
    const kept = await store.getCredential(appid, name)
    const value = fresh(kept)
    if (value !== undefined) return value
    let flight = flights.get(name)
    if (!flight) {
      flight = renew(name, kept).finally(() => flights.delete(name))
      flights.set(name, flight)
    }
    return flight
  }

  return {
    accessToken: () => get('token'),
    jsapiTicket: () => get('ticket'),
    forgetAccessToken,
  }
}
