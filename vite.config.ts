import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { wechatAuthDev } from './proxy/host/vite-plugin.js'

// `npm run dev`: the demo, the proxy (/api/wechat) and the mock WeChat (/mock-wechat) on one port.
export default defineConfig({
  plugins: [vue(), wechatAuthDev()],
  build: { outDir: 'dist', emptyOutDir: true },
})
