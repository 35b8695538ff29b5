import { randomBytes } from 'node:crypto'
import type { CredentialName, StoredCredential } from './types.js'

interface Kept<T> {
  value: T
  /** Epoch milliseconds of the store's clock. */
  until: number
}

/**
 * The memory store's shared credentials and their lock: a handful of entries per configured app, so
 * no bound is needed. One process and no await inside: every step is atomic by construction.
 */
export function createCredentialRecords(now: () => number) {
  const credentials = new Map<string, Kept<StoredCredential>>()
  const locks = new Map<string, Kept<string>>()
  const key = (appid: string, name: CredentialName) => `${appid}\u0000${name}`
  /** The entry of `id` while it lives; an expired one is dropped on the way. */
  const live = <T>(map: Map<string, Kept<T>>, id: string): Kept<T> | undefined => {
    const entry = map.get(id)
    if (entry && entry.until <= now()) map.delete(id)
    return entry && entry.until > now() ? entry : undefined
  }

  return {
    get(appid: string, name: CredentialName): StoredCredential | undefined {
      const entry = live(credentials, key(appid, name))
      return entry ? { ...entry.value } : undefined
    },
    save(
      appid: string,
      name: CredentialName,
      credential: StoredCredential,
      ttlMs: number,
      lock?: string,
    ): boolean {
      const holder = live(locks, appid)?.value
      if (lock !== undefined && holder !== undefined && holder !== lock) return false
      credentials.set(key(appid, name), { value: { ...credential }, until: now() + ttlMs })
      return true
    },
    forget(appid: string, name: CredentialName, value: string): boolean {
      const id = key(appid, name)
      if (live(credentials, id)?.value.value !== value) return false
      return credentials.delete(id)
    },
    lock(appid: string, ttlMs: number): string | undefined {
      if (live(locks, appid)) return undefined
      const token = randomBytes(16).toString('base64url')
      locks.set(appid, { value: token, until: now() + ttlMs })
      return token
    },
    unlock(appid: string, token: string): void {
      if (live(locks, appid)?.value === token) locks.delete(appid)
    },
    clear(): void {
      credentials.clear()
      locks.clear()
    },
  }
}
