/**
 * `wechat-h5-auth/helpers`: the pure functions the kit's flow is built from, for apps that need one
 * on its own (a server-rendered link to WeChat, an "open in WeChat" check before the app boots, a
 * callback read by hand). The kit itself needs none of these imports.
 */
export {
  buildAuthorizeUrl,
  buildQrconnectUrl,
  type AuthorizeUrlParams,
  type QrconnectUrlParams,
  type WechatScope,
  type WechatSessionScope,
} from './authorize-url'
export { parseCallback, stripCallback, type CallbackParams } from './callback'
export { detectEnvironment, type WechatEnvironment } from './detect'
