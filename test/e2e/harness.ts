import { createServer as createNetServer } from 'node:net'
import { chromium, type Browser, type Page, type Request } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'

export const WECHAT_IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Mobile/15E148 MicroMessenger/8.0.49(0x18003135) NetType/WIFI Language/zh_CN'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** `npm run dev` in-process: the demo, the proxy and the mock WeChat on one loopback port. */
export async function startDevServer(env: Record<string, string> = {}): Promise<{
  origin: string
  close: () => Promise<void>
}> {
  const port = await freePort()
  const { wechatAuthDev } = await import('../../proxy/vite-plugin')
  const vue = (await import('@vitejs/plugin-vue')).default
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    plugins: [vue(), wechatAuthDev({ env: { LOG_LEVEL: 'silent', ...env } })],
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
  })
  await server.listen()
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

export interface TrackedPage {
  page: Page
  /** Every request the page made, in order. */
  requests: Request[]
  exchanges: () => number
  authorizeTrips: () => number
  close: () => Promise<void>
}

/** A phone-sized page with WeChat's user agent whose requests are recorded. */
export async function openWechatPage(browser: Browser): Promise<TrackedPage> {
  const context = await browser.newContext({
    userAgent: WECHAT_IOS_UA,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  const requests: Request[] = []
  page.on('request', (request) => requests.push(request))
  const count = (match: (r: Request) => boolean) => () => requests.filter(match).length
  return {
    page,
    requests,
    exchanges: count((r) => r.method() === 'POST' && r.url().endsWith('/api/wechat/openid')),
    authorizeTrips: count((r) => r.url().includes('/connect/oauth2/authorize')),
    close: () => context.close(),
  }
}
