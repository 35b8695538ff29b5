import { ProxyError } from '../errors.js'
import { StoreFullError } from './memory-revocations.js'
import type { Store } from './types.js'

type Guarded = Exclude<keyof Store, 'kind' | 'close'>

/**
 * A store too full to keep what it must not forget (a revocation): 503 too, and logged, since only
 * the operator can raise the bound.
 */
function full(cause: StoreFullError): ProxyError {
  return new ProxyError('upstream_unavailable', 'The store is full; try again later', {
    cause,
    logDetail: { reason: cause.message, setting: cause.setting },
  })
}

/**
 * The same store, with every failure of the backend turned into `503 upstream_unavailable`: a store
 * that is down must refuse requests (fail closed), never let a revoked session through or leak detail.
 */
export function reachable(store: Store): Store {
  const unreachable = (cause: unknown) =>
    cause instanceof StoreFullError
      ? full(cause)
      : new ProxyError('upstream_unavailable', `The ${store.kind} store is not reachable`, {
          cause,
        })
  /**
   * The method, looked up on each call. A promise's failure, or a throw, becomes a rejection with
   * `upstream_unavailable`; an answer given synchronously (the memory store's revocation check) is
   * returned as it is, so that `GET /session` can answer without a promise in between.
   */
  const guard = <K extends Guarded>(name: K): Store[K] =>
    ((...args: unknown[]) => {
      let answer: unknown
      try {
        answer = (store[name] as (...args: unknown[]) => unknown).apply(store, args)
      } catch (cause) {
        return Promise.reject(unreachable(cause))
      }
      if (typeof (answer as PromiseLike<unknown> | undefined)?.then !== 'function') return answer
      return Promise.resolve(answer as PromiseLike<unknown>).catch((cause: unknown) => {
        throw unreachable(cause)
      })
    }) as Store[K]
  return {
    kind: store.kind,
    saveTokens: guard('saveTokens'),
    getTokens: guard('getTokens'),
    keepExchangeTokens: guard('keepExchangeTokens'),
    deleteTokens: guard('deleteTokens'),
    revokeSession: guard('revokeSession'),
    isSessionRevoked: guard('isSessionRevoked'),
    claimCode: guard('claimCode'),
    settleCode: guard('settleCode'),
    readCode: guard('readCode'),
    releaseCode: guard('releaseCode'),
    getCredential: guard('getCredential'),
    saveCredential: guard('saveCredential'),
    forgetCredential: guard('forgetCredential'),
    lockCredentials: guard('lockCredentials'),
    unlockCredentials: guard('unlockCredentials'),
    ping: guard('ping'),
    close: store.close.bind(store),
  }
}
