/**
 * The only file that listens.
 *   npm start            dist/ (the built demo) + the proxy at /api/wechat (+ the mock with WECHAT_MOCK=1)
 *   npm run mock         the mock WeChat alone, at http://127.0.0.1:MOCK_PORT/mock-wechat
 */
import { existsSync } from 'node:fs'
import { STATUS_CODES, type Server, type ServerResponse } from 'node:http'
import { resolve } from 'node:path'
import express from 'express'
import type { Logger } from 'pino'
import { ConfigError, loadConfig, publicConfig, type ProxyConfig } from '../config.js'
import { createMockWechatRouter, createWechatApp, MOCK_PATH, PROXY_PATH } from './app.js'
import { createLogger } from '../logger.js'
import { builtForAnother, readPageScripts } from './page-scripts.js'
import { chooseEncoding, findPrecompressed, servePrecompressed } from './precompress.js'

function readConfig(env: NodeJS.ProcessEnv): ProxyConfig {
  try {
    return loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      // No logger yet (the configuration names its level): the operator reads this on the terminal.
      process.stderr.write(`wechat-h5-auth cannot start:\n${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

/** Extensions of files a page loads, never of an app's routes. */
const STATIC_FILE =
  /\.(js|mjs|css|map|json|ico|png|jpe?g|gif|svg|webp|avif|woff2?|ttf|txt|xml|webmanifest)$/i

/**
 * Serves the built SPA: hashed assets cached for a year, index.html never cached, deep links fall
 * back to it, each file precompressed when the build wrote a `.br` or `.gz` the browser accepts. A
 * missing file (a static file's name, such as /favicon.ico) is a 404, not the app's page.
 */
function serveSpa(app: express.Express, dir: string): void {
  const precompressed = findPrecompressed(dir)
  app.use(servePrecompressed(precompressed))
  app.use(
    '/assets',
    express.static(resolve(dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  )
  // Pages are never cached, however they are asked for (/index.html too): one rule.
  const html = /\.html(\.br|\.gz)?$/
  app.use(
    express.static(dir, {
      index: false,
      setHeaders: (res, path) => html.test(path) && res.setHeader('Cache-Control', 'no-cache'),
    }),
  )
  app.use((req, res, next) => {
    const reserved = req.path.startsWith(PROXY_PATH) || req.path.startsWith(MOCK_PATH)
    // A static file's name (favicon.ico, an old asset): a 404, not the app. Routes such as
    // /u/john.doe still get the app.
    const file = STATIC_FILE.test(req.path)
    const read = req.method === 'GET' || req.method === 'HEAD'
    if (!read || reserved || file || !req.accepts('html')) return next()
    res.setHeader('Cache-Control', 'no-cache')
    const suffix = chooseEncoding(precompressed, '/index.html', req.get('accept-encoding'), res)
    // `root` keeps send's dotfile check to the file itself, not the folder the app is deployed in.
    res.sendFile(`index.html${suffix}`, { root: dir })
  })
}

/**
 * The last handler of the whole server (the proxy's routes have their own): a missing or malformed
 * file is a plain 4xx, and every failure is logged through the one logger, path only, as a JSON
 * string (a `%0a` in a URL cannot write a line of its own, as Express's default handler, printing to stderr, let
 * it), without stack traces for what a client caused.
 */
function finalHandler(logger: Logger): express.ErrorRequestHandler {
  // Four parameters: how Express tells an error handler from a middleware.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (error: unknown, req, res, _next) => {
    const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown }
    const code = Number(status ?? statusCode)
    const answer = code >= 400 && code < 600 ? code : 500
    if (answer >= 500) logger.error({ err: error, path: req.path }, 'request failed')
    else logger.debug({ status: answer, path: req.path }, 'request refused')
    // Half an answer already sent: cut it, never hand it to Express's default handler.
    if (res.headersSent) return void res.destroy()
    res
      .status(answer)
      .type('text/plain')
      .send(STATUS_CODES[answer] ?? 'Error')
  }
}

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env')
  const mockOnly = process.argv.includes('--mock-only')
  const env = mockOnly ? { ...process.env, WECHAT_MOCK: '1' } : process.env
  const config = readConfig(env)
  const logger = createLogger(config)

  if (mockOnly) {
    const app = express()
    app.use(MOCK_PATH, createMockWechatRouter(config))
    app.listen(config.mockPort, () => {
      const say = (line: string) => process.stdout.write(`${line}\n`)
      say(`mock WeChat: http://127.0.0.1:${config.mockPort}${MOCK_PATH}`)
      say(`  official account appid ${config.mp.appid}`)
      if (config.web) say(`  website app appid ${config.web.appid}`)
    })
    return
  }

  if (config.sessionSecretGenerated) {
    logger.warn('SESSION_SECRET is not set: using a random key, sessions end on restart')
  }
  const dist = resolve(process.cwd(), 'dist')
  // The build's inline scripts (the pre-boot redirect), allowed by hash in the CSP.
  const scripts = readPageScripts(dist)
  const mismatch = builtForAnother(scripts, publicConfig(config))
  if (mismatch) {
    process.stderr.write(`wechat-h5-auth cannot start:\n${mismatch}\n`)
    process.exit(1)
  }
  const { scriptHashes } = scripts
  const app = createWechatApp(config, { logger, securityHeaders: true, scriptHashes })
  if (existsSync(resolve(dist, 'index.html'))) serveSpa(app, dist)
  else logger.warn('dist/ has no index.html: run `npm run build` to serve the demo')
  // Whatever nothing above served is a plain 404 from the final handler, not Express's HTML page.
  app.use((_req, _res, next) => next(Object.assign(new Error('Not Found'), { status: 404 })))
  app.use(finalHandler(logger))
  // A new instance in a deploy takes requests once its store answers (Redis connected, a cluster's
  // slots known), not before, so its first ones are not 503s; after the bound it listens anyway and
  // answers 503 (and /healthz says so) until the store is back.
  if (!(await app.ready(STORE_READY_BOUND_MS))) {
    logger.warn(
      { boundMs: STORE_READY_BOUND_MS },
      'the store does not answer yet: listening anyway, requests get 503 until it does',
    )
  }
  const server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, mock: config.mock, appid: config.mp.appid },
      `wechat-h5-auth listening on http://localhost:${config.port}`,
    )
  })
  // Longer than the idle timeout of the proxies in front (nginx 60 s, cloud load balancers 60 s),
  // so that they never send a request down a connection Node is closing; a request's headers then
  // its whole body must arrive in bounded time (slow clients cannot hold sockets forever).
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  server.requestTimeout = 70_000
  stopGracefully(server, app, logger, stopBound(config))
}

/** How long start-up waits for the store before listening anyway. */
const STORE_READY_BOUND_MS = 10_000

/**
 * How long a stop waits for requests in flight: the longest a code exchange can take (three WeChat
 * calls' timeouts, docs/wechat.md) and a margin. 20 s by default, inside Kubernetes' 30 s grace.
 */
const stopBound = (config: ProxyConfig) => 3 * config.upstreamTimeoutMs + 5_000

/**
 * On SIGTERM or SIGINT (a deploy, Ctrl-C): stop accepting, let the requests in flight finish (a
 * code exchange WeChat has already consumed must reach its user) for at most `boundMs`, close the
 * store, exit 0. The one place that ends the process after start-up.
 */
function stopGracefully(
  server: Server,
  app: { close(): Promise<void> },
  logger: Logger,
  boundMs: number,
): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.info({ signal, boundMs }, 'stopping: no new connections, finishing requests in flight')
    const cut = setTimeout(() => {
      logger.warn({ boundMs }, 'requests still in flight at the bound: closing their connections')
      server.closeAllConnections()
    }, boundMs)
    cut.unref()
    // Requests that arrive on a kept-alive connection meanwhile are answered, then the connection
    // closes (`Connection: close`) ...
    // (before Express's own listener, so even an answer sent at once carries it) ...
    server.prependListener('request', (_req, res: ServerResponse) => (res.shouldKeepAlive = false))
    // ... and a connection whose request was in flight is closed once its answer is sent: an idle
    // kept-alive connection would otherwise hold the stop until keepAliveTimeout.
    const idle = setInterval(() => server.closeIdleConnections(), 50)
    // Stops listening; the callback runs once every connection has closed.
    server.close(() => {
      clearTimeout(cut)
      clearInterval(idle)
      app.close().then(
        () => {
          logger.info('stopped')
          process.exit(0)
        },
        (error: unknown) => {
          logger.error({ err: error }, 'the store did not close cleanly')
          process.exit(1)
        },
      )
    })
    server.closeIdleConnections()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

void main()
