import { createApp, type App as VueApp } from 'vue'
import { createPinia } from 'pinia'
import type { RouterHistory } from 'vue-router'
import { createWechatAuth, createWechatAuthGuard, type WechatAuthOptions } from '../index'
import App from './App.vue'
import { createDemoRouter } from './router'
import './style.css'

/** The demo app; test fixtures build it with a hash history or embedded PC login. */
export function createDemoApp(
  options: { history?: RouterHistory; auth?: WechatAuthOptions } = {},
): VueApp {
  const app = createApp(App)
  const router = createDemoRouter(options.history)
  app.use(createPinia())
  // The three lines an existing app adds (plus `app.use(router)` it already has):
  app.use(createWechatAuth({ proxyBase: '/api/wechat', ...options.auth }))
  router.beforeEach(createWechatAuthGuard())
  app.use(router)
  return app
}
