/**
 * The baseline of `npm run bench:login`: a seed-style server-side WeChat login, the least a first
 * login can cost (WeChat's own hops, no JavaScript): four requests. `GET /ssr/` without a session
 * redirects to WeChat's authorize page; its callback exchanges the code, sets a session cookie and
 * redirects to the page, which renders the openid; a repeat visit is one request. The mock WeChat sits on this server's own origin, as it
 * does on the demo's (`npm start` with WECHAT_MOCK=1), so both logins make the same trips.
 *
 *   node <bundle> [port]   (bench/login.ts bundles and starts it)
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createMockWechat, DEMO_MP_APP, DEMO_OAUTH_DOMAINS } from '../proxy/mock-wechat/index.js'

const app = express()
app.disable('x-powered-by')
app.use(
  '/mock-wechat',
  createMockWechat({ apps: [{ ...DEMO_MP_APP, kind: 'mp' }], domains: DEMO_OAUTH_DOMAINS }).router,
)

/** Session id -> openid; state -> pending. */
const sessions = new Map<string, string>()
const states = new Set<string>()

const page = (openid: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>微信登录</title></head>` +
  `<body><p>你好</p><p data-testid="openid">${openid}</p></body></html>`

function origin(req: express.Request): string {
  return `${req.protocol}://${req.get('host')}`
}

app.get('/ssr/', (req, res) => {
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1]
  const openid = sid ? sessions.get(sid) : undefined
  res.setHeader('Cache-Control', 'no-store')
  if (openid) return void res.type('html').send(page(openid))
  const state = randomBytes(16).toString('hex')
  states.add(state)
  const redirect = encodeURIComponent(`${origin(req)}/ssr/callback`)
  res.redirect(
    302,
    `/mock-wechat/connect/oauth2/authorize?appid=${DEMO_MP_APP.appid}&redirect_uri=${redirect}` +
      `&response_type=code&scope=snsapi_base&state=${state}#wechat_redirect`,
  )
})

app.get('/ssr/callback', async (req, res) => {
  const { code, state } = req.query as { code?: string; state?: string }
  if (!code || !state || !states.delete(state)) return void res.status(400).send('bad callback')
  const url =
    `${origin(req)}/mock-wechat/sns/oauth2/access_token?appid=${DEMO_MP_APP.appid}` +
    `&secret=${DEMO_MP_APP.secret}&code=${code}&grant_type=authorization_code`
  const answer = (await (await fetch(url)).json()) as { openid?: string }
  if (!answer.openid) return void res.status(502).send('exchange failed')
  const sid = randomBytes(16).toString('hex')
  sessions.set(sid, answer.openid)
  res.setHeader('Set-Cookie', `sid=${sid}; Path=/ssr; HttpOnly; SameSite=Lax`)
  // Post/redirect/get: the code leaves the address bar, so a reload never sends it again (what the
  // kit does with replaceState).
  res.redirect(303, '/ssr/')
})

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})
