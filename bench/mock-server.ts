/**
 * The mock WeChat alone, for the load script: its own process so its CPU and memory stay out of the
 * proxy's figures. Listens on 127.0.0.1, a free port, and tells the parent which one over IPC.
 */
import express from 'express'
import { createMockWechat, DEMO_MP_APP, DEMO_OAUTH_DOMAINS } from '../proxy/mock-wechat/index.js'
import { listenAndReport } from './ipc.js'

const app = express()
app.disable('x-powered-by')
app.use(
  '/mock-wechat',
  createMockWechat({ apps: [DEMO_MP_APP], domains: [...DEMO_OAUTH_DOMAINS] }).router,
)

listenAndReport(app)
