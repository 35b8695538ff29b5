export type { CodeClaim, CodeOutcome, CodeRecord, Store, StoredTokens } from './types.js'
export { createMemoryStore } from './memory.js'
export type { MemoryStoreOptions } from './memory.js'
export {
  FAIL_CLOSED_OPTIONS,
  REDIS_PREFIX,
  createRedisClient,
  createRedisStore,
  watchOutages,
} from './redis.js'
export type { RedisClientOptions, RedisStoreOptions } from './redis.js'
export { createRedisRateLimitStore } from './rate-limit.js'
export { reachable } from './reachable.js'
