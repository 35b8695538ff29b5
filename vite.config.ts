import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { wechatAuthDev } from './proxy/host/vite-plugin.js'

// `npm run dev`: the demo, the proxy (/api/wechat) and the mock WeChat (/mock-wechat) on one port.
// The pre-boot redirect sends a WeChat visitor without a session to WeChat before the app's
// JavaScript loads (docs/benchmarks.md#first-login); the demo's public pages are left out of it.
export default defineConfig({
  plugins: [vue(), wechatAuthDev({ preboot: { exclude: ['/public', '/login'] } })],
  build: { outDir: 'dist', emptyOutDir: true },
  // Neither the demo nor the kit uses Vue's Options API (data, methods, ...): 1 KB less to download.
  define: { __VUE_OPTIONS_API__: 'false' },
})
