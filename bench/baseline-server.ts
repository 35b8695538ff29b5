/**
 * The baselines for bench/throughput.ts, in their own process on 127.0.0.1 (a free port, told to the
 * parent over IPC). argv[2] is the mock WeChat's base URL.
 *
 * - `POST /openid`: the naive handler, what a code exchange looks like without the proxy's care: Express,
 *   a JSON body, one axios call to the mock's `/sns/oauth2/access_token`, the openid back. No input
 *   validation, no single flight, no store, no session, no rate limit or security headers.
 * - `GET /session`: a bare Express route answering a small JSON of the same shape as the proxy's.
 * - `POST /jssdk`: a bare Express route that reads the JSON body and answers a fixed JSON of the
 *   proxy's shape: no validation, no signature, no rate limit or security headers.
 */
import axios from 'axios'
import express from 'express'
import { DEMO_MP_APP } from '../proxy/mock-wechat/index.js'
import { listenAndReport } from './ipc.js'

const apiBase = process.argv[2]
if (!apiBase?.startsWith('http://127.0.0.1:'))
  throw new Error('usage: baseline-server.ts <mock base>')

const app = express()
app.disable('x-powered-by')

app.post('/openid', express.json(), async (req, res) => {
  const { code } = req.body as { code: string }
  const { data } = await axios.get<{ openid: string }>(`${apiBase}/sns/oauth2/access_token`, {
    params: {
      appid: DEMO_MP_APP.appid,
      secret: DEMO_MP_APP.secret,
      code,
      grant_type: 'authorization_code',
    },
  })
  res.json({ openid: data.openid })
})

const expiresAt = new Date(Date.now() + 7200_000).toISOString()
app.get('/session', (_req, res) => {
  res.json({ openid: 'oBench0000000000000000000000', scope: 'snsapi_base', expiresAt })
})

const signed = {
  appId: DEMO_MP_APP.appid,
  timestamp: Math.floor(Date.now() / 1000),
  nonceStr: '0123456789abcdef0123456789abcdef',
  signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
}
app.post('/jssdk', express.json(), (req, res) => {
  res.json({ ...signed, url: (req.body as { url: string }).url })
})

listenAndReport(app)
