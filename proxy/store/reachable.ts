import { ProxyError } from '../errors.js'
import type { Store } from './types.js'

/**
 * The same store, with every failure of the backend turned into `503 upstream_unavailable`: a store
 * that is down must refuse requests (fail closed), never let a revoked session through or leak detail.
 */
export function reachable(store: Store): Store {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args)
      } catch (cause) {
        throw new ProxyError('upstream_unavailable', `The ${store.kind} store is not reachable`, {
          cause,
        })
      }
    }
  return {
    kind: store.kind,
    saveTokens: guard(store.saveTokens.bind(store)),
    getTokens: guard(store.getTokens.bind(store)),
    deleteTokens: guard(store.deleteTokens.bind(store)),
    revokeSession: guard(store.revokeSession.bind(store)),
    isSessionRevoked: guard(store.isSessionRevoked.bind(store)),
    claimCode: guard(store.claimCode.bind(store)),
    settleCode: guard(store.settleCode.bind(store)),
    readCode: guard(store.readCode.bind(store)),
    releaseCode: guard(store.releaseCode.bind(store)),
    ping: guard(store.ping.bind(store)),
    close: store.close.bind(store),
  }
}
