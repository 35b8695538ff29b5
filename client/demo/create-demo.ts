import { createApp, type App as VueApp } from 'vue'
import { createPinia } from 'pinia'
import type { RouterHistory } from 'vue-router'
import { createWechatAuth, createWechatAuthGuard } from '../index'
import App from './App.vue'
import { createDemoRouter } from './router'
import './style.css'

/** The demo app; the hash-router test fixture builds it with a hash history. */
export function createDemoApp(options: { history?: RouterHistory } = {}): VueApp {
  const app = createApp(App)
  const router = createDemoRouter(options.history)
  app.use(createPinia())
  // The three lines an existing app adds (plus `app.use(router)` it already has):
  app.use(createWechatAuth({ proxyBase: '/api/wechat' }))
  router.beforeEach(createWechatAuthGuard())
  app.use(router)
  return app
}
