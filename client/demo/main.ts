import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { createWechatAuth, createWechatAuthGuard } from '../index'
import App from './App.vue'
import { createDemoRouter } from './router'
import './style.css'

const app = createApp(App)
const router = createDemoRouter()
app.use(createPinia())
// The three lines an existing app adds (plus `app.use(router)` it already has):
app.use(createWechatAuth({ proxyBase: '/api/wechat' }))
router.beforeEach(createWechatAuthGuard())
app.use(router)
app.mount('#app')
