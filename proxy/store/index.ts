export type {
  CodeClaim,
  CodeOutcome,
  CodeRecord,
  CredentialName,
  Store,
  StoredCredential,
  StoredTokens,
} from './types.js'
export { createMemoryStore } from './memory.js'
export type { MemoryStoreOptions } from './memory.js'
export { StoreFullError } from './memory-revocations.js'
export { createRedisClient, createRedisStore } from './redis.js'
export type { RedisClientOptions, RedisConnection, RedisKind } from './redis.js'
export { createRedisRateLimitStore } from './rate-limit.js'
export { reachable } from './reachable.js'
export { redisTargetOf, storesFor } from './select.js'
export type { StoreDeps } from './select.js'
