/**
 * The baselines for bench/throughput.ts, in their own process on 127.0.0.1 (a free port, told to the
 * parent over IPC). argv[2] is the mock WeChat's base URL.
 *
 * - `POST /openid`: the naive handler, what a code exchange looks like without the proxy's care: Express,
 *   a JSON body, one axios call to the mock's `/sns/oauth2/access_token`, the openid back. No input
 *   validation, no single flight, no store, no session, no rate limit or security headers.
 * - `GET /session`: a bare Express route answering a small JSON of the same shape as the proxy's.
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

listenAndReport(app)
