import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { HtmlTagDescriptor, Plugin, ResolvedConfig, Rollup, ViteDevServer } from 'vite'
import { loadEnv, minifySync } from 'vite'
import type express from 'express'
import { preboot as prebootFunction, type PrebootConfig } from '../../client/preboot.js'
import { loadConfig, publicConfig } from '../config.js'
import { createWechatApp, MOCK_PATH, PROXY_PATH } from './app.js'
import { createLogger } from '../logger.js'
import { PAGE_SCRIPTS_FILE, type PageScripts } from './page-scripts.js'
import { precompressDir } from './precompress.js'

export interface PrebootOptions {
  /**
   * The scope the pre-boot asks for; `snsapi_userinfo` when every page needs the profile (a
   * `snsapi_base` session then does not count as signed in).
   * @default 'snsapi_base'
   */
  scope?: 'snsapi_base' | 'snsapi_userinfo'
  /**
   * Paths within the app (after Vite's `base`) that need no login, with everything under them:
   * `['/public', '/login']` also covers `/public/faq` but not `/publications`.
   * @default []
   */
  exclude?: string[]
  /**
   * Where the app mounts the proxy: the kit's `proxyBase`. On WeChat's callback the script starts
   * the code exchange there, for the kit to take over.
   * @default '/api/wechat'
   */
  proxyBase?: string
}

export interface WechatAuthDevOptions {
  /**
   * Extra environment on top of `process.env` and the project's `.env` files.
   * @default {}
   */
  env?: Record<string, string | undefined>
  /**
   * The pre-boot redirect, for apps where every page needs a login: a small inline script at the top of
   * index.html sends a WeChat visitor without a session to WeChat before the app's JavaScript is
   * fetched; back with the code, the app boots once and the kit completes the login. Built in with the
   * public configuration (appid, authorize base) read from the environment at build or serve time, so
   * `npm run build` needs WECHAT_APPID (or WECHAT_MOCK=1), not the secrets. `npm start` allows the script
   * by its hash in the CSP; another server must add the hash the build prints to its `script-src`.
   * History-mode routers only.
   * @default false
   */
  preboot?: boolean | PrebootOptions
  /**
   * Writes a brotli (`.br`) and a gzip (`.gz`) copy beside each text file of the build over 1 KB, at
   * the highest levels, for `npm start` (wechat-h5-auth-proxy's server) or nginx's `brotli_static`
   * and `gzip_static` to send without compressing per request. The build prints how many it wrote.
   * @default true
   */
  precompress?: boolean
}

/**
 * The public configuration the page needs (what `GET /config` answers), from the proxy's own
 * `loadConfig` so both agree. A build machine should not hold the secrets: where loadConfig demands
 * one that is absent, a stand-in fills it, and only public values leave this function.
 */
function pageConfig(env: Record<string, string | undefined>): PrebootConfig['config'] {
  const standIn = (name: string, value: string) => (env[name]?.trim() ? {} : { [name]: value })
  const config = loadConfig({
    ...env,
    ...(env.WECHAT_APPID?.trim() ? standIn('WECHAT_SECRET', '0'.repeat(32)) : {}),
    ...(env.WECHAT_WEB_APPID?.trim() ? standIn('WECHAT_WEB_SECRET', '0'.repeat(32)) : {}),
    ...standIn('SESSION_SECRET', 'stand-in, never used: the build signs nothing'),
    // Nor does it read the session keys: a build machine without the key file builds the same page.
    SESSION_JWKS_FILE: undefined,
  })
  return publicConfig(config)
}

/** The pre-boot script for this configuration, minified, and its CSP hash source. */
export function prebootScript(
  env: Record<string, string | undefined>,
  base: string,
  { scope = 'snsapi_base', exclude = [], proxyBase = '/api/wechat' }: PrebootOptions = {},
): { script: string; hash: string; config: PrebootConfig['config'] } {
  // The script finds the route by cutting the base off the path: it must be an absolute path.
  if (!base.startsWith('/')) throw new Error(`preboot needs an absolute base, not "${base}"`)
  for (const path of exclude) {
    if (!path.startsWith('/')) throw new Error(`preboot.exclude: "${path}" must start with /`)
  }
  const config: PrebootConfig = {
    scope,
    base: base.endsWith('/') ? base : `${base}/`,
    exclude: exclude.map((path) => path.replace(/\/+$/, '')),
    proxyBase: proxyBase.replace(/\/+$/, ''),
    config: pageConfig(env),
  }
  const source = `(${prebootFunction.toString()})(${JSON.stringify(config)})`
  const { code, errors } = minifySync('wechat-preboot.js', source)
  // The script is serialized from a function: a toolchain helper in it (esbuild's __name) would throw
  // in the page, and the page would silently lose the shortcut. An HTML comment or `</script` in a
  // value would end the script element early.
  if (errors.length || /__name|<\/script|<!--/i.test(code)) {
    throw new Error('wechat-h5-auth: the pre-boot script could not be built')
  }
  const script = code.trim()
  const hash = `sha256-${createHash('sha256').update(script).digest('base64')}`
  return { script, hash, config: config.config }
}

/** The dev server's own address, reachable from this process (the proxy calls the mock through it). */
function ownOrigin(server: ViteDevServer): string {
  const address = server.httpServer?.address() as AddressInfo | null
  if (!address) throw new Error('wechat-h5-auth: the Vite dev server is not listening yet')
  const wildcard = address.address === '::' || address.address === '0.0.0.0'
  const host = wildcard ? '127.0.0.1' : address.address
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/** A module of axios, as Rollup names it in a chunk's `moduleIds`. */
const AXIOS_MODULE = /[\\/]node_modules[\\/]axios[\\/]/

/**
 * The kit imports axios on its first call to the proxy (client/api.ts), so that a page whose
 * exchange the pre-boot script has sent boots without it. Without the pre-boot script that first
 * call (`GET /config`) comes as soon as the app boots: the build then asks for axios's chunk with the
 * page (`modulepreload`) instead of one round trip later. Nothing when the app bundles axios itself.
 */
function preloadAxios(bundle: Rollup.OutputBundle, base: string): HtmlTagDescriptor[] | undefined {
  const chunk = Object.values(bundle).find(
    (file): file is Rollup.OutputChunk =>
      file.type === 'chunk' && !file.isEntry && file.moduleIds.some((id) => AXIOS_MODULE.test(id)),
  )
  if (!chunk) return
  const href = base + chunk.fileName
  return [
    { tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href }, injectTo: 'head' },
  ]
}

/**
 * `npm run dev`: mounts the proxy at /api/wechat and, without WeChat credentials, the mock WeChat at
 * /mock-wechat on the Vite dev server's own port — no WeChat account, no tunnel, no second terminal.
 * With `preboot`, also adds the pre-boot redirect to index.html, in dev and in the build.
 */
export function wechatAuthDev(options: WechatAuthDevOptions = {}): Plugin {
  let mode = 'development'
  let preboot: ReturnType<typeof prebootScript> | undefined
  let resolved: ResolvedConfig | undefined
  const prebootOptions = options.preboot === true ? {} : options.preboot || undefined
  return {
    name: 'wechat-h5-auth:dev',
    // Both: the build needs the pre-boot script too (configureServer only ever runs in serve).
    configResolved(config) {
      resolved = config
      mode = config.mode
      if (!prebootOptions) return
      const env = { ...loadEnv(mode, config.root, ''), ...options.env }
      try {
        preboot = prebootScript(env, config.base, prebootOptions)
      } catch (error) {
        // A build without it would silently lose the feature: fail. In dev the middleware reports the
        // configuration at start-up and the kit still logs in, just without the shortcut.
        const message = error instanceof Error ? error.message : String(error)
        if (config.command === 'build') {
          throw new Error(
            "wechat-h5-auth: the pre-boot redirect builds the official account's appid into " +
              'index.html: set WECHAT_APPID for the build (a public value; no secret needed), or ' +
              `WECHAT_MOCK=1 to build for the mock WeChat.\n${message}`,
            { cause: error },
          )
        }
        config.logger.warn(`wechat-h5-auth: pre-boot redirect off: ${message}`)
      }
    },
    transformIndexHtml(html, { bundle }) {
      if (!preboot) return bundle && preloadAxios(bundle, resolved?.base ?? '/')
      const tag = `<script>${preboot.script}</script>`
      // Right after <meta charset>, which must stay within the first 1024 bytes; before anything else,
      // so it runs before the parser reaches the app's scripts.
      const charset = /<meta\s+charset[^>]*>/i
      if (charset.test(html)) return html.replace(charset, (meta) => `${meta}\n    ${tag}`)
      return [{ tag: 'script', children: preboot.script, injectTo: 'head-prepend' }]
    },
    writeBundle({ dir }) {
      if (!dir) return
      if (preboot) {
        // Next to index.html, for `npm start` (server.ts) to allow exactly this inline script and to
        // check that it is served with the configuration it was built with.
        const { appid, authorizeBase, relayUrl } = preboot.config
        const scripts: PageScripts = {
          scriptHashes: [preboot.hash],
          built: { appid, authorizeBase, ...(relayUrl ? { relayUrl } : {}) },
        }
        writeFileSync(join(dir, PAGE_SCRIPTS_FILE), JSON.stringify(scripts))
        resolved?.logger.info(
          `  wechat-h5-auth  pre-boot redirect, CSP script-src '${preboot.hash}'`,
        )
      }
      if (options.precompress !== false) {
        const count = precompressDir(dir)
        resolved?.logger.info(`  wechat-h5-auth  precompressed ${count} files (.br, .gz)`)
      }
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
