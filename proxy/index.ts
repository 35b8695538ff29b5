export { createWechatProxy } from './router.js'
export type { WechatProxyDeps } from './router.js'
export { ConfigError, loadConfig, publicConfig } from './config.js'
export type { ConfigProblem, ProxyConfig, WechatAppCredentials } from './config.js'
export { ProxyError, HTTP_STATUS } from './errors.js'
export type { ProxyErrorCode } from './errors.js'
export { signSession, verifySession, SESSION_ISSUER } from './session.js'
export type { SessionClaims, SessionInput, WechatApp } from './session.js'
export { securityHeaders } from './security.js'
export type { BusyRetryOptions } from './retry.js'
export { createLogger } from './logger.js'
export {
  createMemoryStore,
  createRedisClient,
  createRedisRateLimitStore,
  createRedisStore,
} from './store/index.js'
export type {
  CodeClaim,
  CodeOutcome,
  CodeRecord,
  MemoryStoreOptions,
  Store,
  StoredTokens,
} from './store/index.js'
