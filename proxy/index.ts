export { createWechatProxy } from './http/router.js'
export type { WechatProxyDeps, WechatProxyRouter } from './http/router.js'
export type { BasicTokenSource } from './wechat/basic-token.js'
export type { BasicToken } from './wechat/types.js'
export { ConfigError, loadConfig, publicConfig } from './config.js'
export type {
  ConfigProblem,
  ProxyConfig,
  RedisNode,
  RedisTarget,
  WechatAppCredentials,
  WechatTokenMode,
} from './config.js'
export { ProxyError, HTTP_STATUS } from './errors.js'
// The HTTP API's JSON, for backends and tests that call the proxy (docs/architecture.md#the-wire-contract).
export type {
  ErrorResponse,
  HealthResponse,
  JssdkRequestBody,
  JssdkResponse,
  OpenidRequestBody,
  OpenidResponse,
  ProxyErrorCode,
  PublicConfig,
  SessionResponse,
  WechatLang,
  WechatProfile,
  WechatScope,
  WechatSessionScope,
} from '../client/wire.js'
export { signSession, verifySession, SESSION_ISSUER } from './login/session.js'
export type { SessionClaims, SessionInput, WechatApp } from './login/session.js'
export { securityHeaders } from './host/page-headers.js'
export { createMockWechatRouter, MOCK_PATH, PROXY_PATH } from './host/app.js'
export type { BusyRetryOptions } from './wechat/retry.js'
export { createLogger } from './logger.js'
export {
  createMemoryStore,
  createRedisClient,
  createRedisRateLimitStore,
  createRedisStore,
  StoreFullError,
} from './store/index.js'
export type {
  CodeClaim,
  CodeOutcome,
  CodeRecord,
  CredentialName,
  MemoryStoreOptions,
  RedisClientOptions,
  RedisConnection,
  Store,
  StoredCredential,
  StoredTokens,
} from './store/index.js'
