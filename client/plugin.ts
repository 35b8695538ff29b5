import type { Plugin } from 'vue'
import { WECHAT_AUTH_KEY, createWechatAuthRuntime } from './runtime'
import type { WechatAuthOptions } from './options'

/**
 * The Vue plugin: `app.use(createPinia()).use(createWechatAuth(options)).use(router)`, then
 * `router.beforeEach(createWechatAuthGuard())`. Throws `config_error` when Pinia is not installed yet.
 */
export const createWechatAuth = (options: WechatAuthOptions = {}): Plugin => ({
  install: (app) => app.provide(WECHAT_AUTH_KEY, createWechatAuthRuntime(options, app)),
})
