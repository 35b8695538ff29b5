export { WechatAuthError, type WechatAuthErrorCode, type ProxyErrorCode } from './errors'
export {
  useWechatAuthStore,
  type WechatAuthStatus,
  type WechatAuthStore,
  type WechatLoginMode,
} from './store'
export type { WechatAuthOptions, WechatAuthRequirement, WechatAuthWindow } from './options'
export { safeReturnPath } from './safe-return-path'
export type { ProxyConfig, ExchangeResult, WechatProfile, WechatLang } from './api'
export { useWechatAuth, type UseWechatAuthReturn, type UseWechatAuthState } from './use-wechat-auth'
export type { WechatScope, WechatSessionScope } from './authorize-url'
export type { CachedSession } from './session-cache'
export { createWechatAuth } from './plugin'
export { createWechatAuthGuard } from './guard'
