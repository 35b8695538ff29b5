import { ProxyError } from '../errors.js'
import type { Store } from './types.js'

/**
 * The same store, with every failure of the backend turned into `503 upstream_unavailable`: a store
 * that is down must refuse requests (fail closed), never let a revoked session through or leak detail.
 */
export function reachable(store: Store): Store {
  const unreachable = (cause: unknown) =>
    new ProxyError('upstream_unavailable', `The ${store.kind} store is not reachable`, { cause })
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args)
      } catch (cause) {
        throw unreachable(cause)
      }
    }
  return {
    kind: store.kind,
    saveTokens: guard(store.saveTokens.bind(store)),
    getTokens: guard(store.getTokens.bind(store)),
    deleteTokens: guard(store.deleteTokens.bind(store)),
    revokeSession: guard(store.revokeSession.bind(store)),
    // A synchronous answer stays synchronous; a failure either way is still `upstream_unavailable`.
    isSessionRevoked(id) {
      let answer: boolean | Promise<boolean>
      try {
        answer = store.isSessionRevoked(id)
      } catch (cause) {
        throw unreachable(cause)
      }
      return typeof answer === 'boolean'
        ? answer
        : Promise.resolve(answer).catch((cause: unknown) => {
            throw unreachable(cause)
          })
    },
    claimCode: guard(store.claimCode.bind(store)),
    settleCode: guard(store.settleCode.bind(store)),
    readCode: guard(store.readCode.bind(store)),
    releaseCode: guard(store.releaseCode.bind(store)),
    ping: guard(store.ping.bind(store)),
    close: store.close.bind(store),
  }
}
