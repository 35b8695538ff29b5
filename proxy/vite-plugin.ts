import type { AddressInfo } from 'node:net'
import type { Plugin, ViteDevServer } from 'vite'
import { loadEnv } from 'vite'
import type express from 'express'
import { loadConfig } from './config.js'
import { createWechatApp, MOCK_PATH, PROXY_PATH } from './app.js'
import { createLogger } from './logger.js'

export interface WechatAuthDevOptions {
  /**
   * Extra environment on top of `process.env` and the project's `.env` files.
   * @default {}
   */
  env?: Record<string, string | undefined>
}

/** The dev server's own address, reachable from this process (the proxy calls the mock through it). */
function ownOrigin(server: ViteDevServer): string {
  const address = server.httpServer?.address() as AddressInfo | null
  if (!address) throw new Error('wechat-h5-auth: the Vite dev server is not listening yet')
  const wildcard = address.address === '::' || address.address === '0.0.0.0'
  const host = wildcard ? '127.0.0.1' : address.address
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/**
 * `npm run dev`: mounts the proxy at /api/wechat and, without WeChat credentials, the mock WeChat at
 * /mock-wechat on the Vite dev server's own port — no WeChat account, no tunnel, no second terminal.
 */
export function wechatAuthDev(options: WechatAuthDevOptions = {}): Plugin {
  let mode = 'development'
  return {
    name: 'wechat-h5-auth:dev',
    apply: 'serve',
    configResolved(resolved) {
      mode = resolved.mode
    },
    configureServer(server) {
      let app: express.Express | undefined
      const build = (): express.Express => {
        const env = { ...loadEnv(mode, server.config.root, ''), ...options.env }
        const origin = ownOrigin(server)
        const config = loadConfig({ ...env, PORT: String(new URL(origin).port) })
        // The mock lives on this very server, whose address is only known once it listens.
        if (config.mock && !env.WECHAT_API_BASE) config.apiBase = `${origin}${MOCK_PATH}`
        const logger = createLogger(config)
        if (config.sessionSecretGenerated) {
          logger.warn('SESSION_SECRET is not set: using a random key, sessions end on restart')
        }
        if (config.mock)
          logger.info(`mock WeChat at ${origin}${MOCK_PATH} (appid ${config.mp.appid})`)
        return createWechatApp(config, { logger })
      }
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? ''
        if (!url.startsWith(PROXY_PATH) && !url.startsWith(MOCK_PATH)) return next()
        try {
          app ??= build()
        } catch (error) {
          return next(error)
        }
        // Connect hands over Node's own request/response; Express upgrades them itself.
        app(req as express.Request, res as express.Response, next)
      })
    },
  }
}
