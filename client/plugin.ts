import type { Plugin } from 'vue'
import { WECHAT_AUTH_KEY, createWechatAuthRuntime } from './auth'
import { WechatAuthError } from './errors'
import type { WechatAuthOptions } from './options'

/**
 * The Vue plugin: `app.use(createPinia()).use(createWechatAuth(options)).use(router)`, then
 * `router.beforeEach(createWechatAuthGuard())`.
 */
export function createWechatAuth(options: WechatAuthOptions = {}): Plugin {
  return {
    install(app) {
      const pinia = app.config.globalProperties.$pinia
      if (!pinia) throw new WechatAuthError('config_error', 'use Pinia first')
      app.provide(WECHAT_AUTH_KEY, createWechatAuthRuntime(options, pinia))
    },
  }
}
