export { WechatAuthError, type WechatAuthErrorCode } from './errors'
export {
  useWechatAuthStore,
  type WechatAuthStatus,
  type WechatAuthStore,
  type WechatLoginMode,
} from './store'
export type { WechatAuthOptions, WechatAuthRequirement, WechatAuthWindow } from './options'
export { safeReturnPath } from './safe-return-path'
export { useWechatAuth, type UseWechatAuthReturn, type UseWechatAuthState } from './use-wechat-auth'
export type {
  ProxyErrorCode,
  PublicConfig,
  OpenidResponse,
  WechatProfile,
  WechatLang,
  WechatScope,
  WechatSessionScope,
} from './wire'
export type { CachedSession } from './session-cache'
export { createWechatAuth } from './plugin'
export { createWechatAuthGuard } from './guard'
