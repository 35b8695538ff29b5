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
      let failure: unknown
      const build = (): express.Express => {
        // Request logs would drown Vite's own output; LOG_LEVEL=info brings them back.
        const env: Record<string, string | undefined> = {
          LOG_LEVEL: 'warn',
          ...loadEnv(mode, server.config.root, ''),
          ...options.env,
        }
        const origin = ownOrigin(server)
        const config = loadConfig({ ...env, PORT: String(new URL(origin).port) })
        // The mock lives on this very server, whose address is only known once it listens.
        if (config.mock && !env.WECHAT_API_BASE) config.apiBase = `${origin}${MOCK_PATH}`
        const logger = createLogger(config)
        const say = (line: string) => server.config.logger.info(line)
        say(`  wechat-h5-auth  proxy        ${origin}${PROXY_PATH}`)
        if (config.mock) {
          say(`  wechat-h5-auth  mock WeChat  ${origin}${MOCK_PATH}  (appid ${config.mp.appid})`)
          say("  open the page with a WeChat user agent (see README), or use the mock's link")
        }
        if (config.sessionSecretGenerated) {
          say('  SESSION_SECRET is not set: a random key per start, sessions end on restart')
        }
        return createWechatApp(config, { logger })
      }
      const ensureApp = (): express.Express | undefined => {
        if (app || failure) return app
        try {
          app = build()
        } catch (error) {
          failure = error
          const message = error instanceof Error ? error.message : String(error)
          server.config.logger.error(`wechat-h5-auth cannot start:\n${message}`)
        }
        return app
      }
      // Build once the port is known, so configuration errors show at start-up, not on first use.
      server.httpServer?.once('listening', () => ensureApp())
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? ''
        if (!url.startsWith(PROXY_PATH) && !url.startsWith(MOCK_PATH)) return next()
        const handler = ensureApp()
        if (!handler) return next(failure)
        // Connect hands over Node's own request/response; Express upgrades them itself.
        handler(req as express.Request, res as express.Response, next)
      })
    },
  }
}
