export type { CodeClaim, CodeOutcome, CodeRecord, Store, StoredTokens } from './types.js'
export { createMemoryStore } from './memory.js'
export type { MemoryStoreOptions } from './memory.js'
export { reachable } from './reachable.js'
