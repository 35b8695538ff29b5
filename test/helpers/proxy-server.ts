/**
 * Starts the proxy router on a free loopback port, mounted at `/api/wechat` as apps mount it.
 *
 *   const mock = await startMockWechat()
 *   const proxy = await startProxy({ apiBase: mock.baseUrl })
 *   await fetch(`${proxy.baseUrl}/openid`, { method: 'POST', ... })
 *   await proxy.close()                              // in afterEach
 *
 * The config is loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent' }) (the demo apps) with the
 * overrides on top.
 */
import express from 'express'
import { loadConfig } from '../../proxy/config.js'
import type { ProxyConfig } from '../../proxy/config.js'
import { createWechatProxy } from '../../proxy/http/router.js'
import type { WechatProxyDeps } from '../../proxy/http/router.js'
import { listenOnLoopback } from './net.js'

export interface RunningProxy {
  /** `http://127.0.0.1:PORT/api/wechat` */
  baseUrl: string
  config: ProxyConfig
  close(): Promise<void>
}

export async function startProxy(
  configOverrides: Partial<ProxyConfig> & { apiBase: string },
  deps: WechatProxyDeps = {},
): Promise<RunningProxy> {
  const config: ProxyConfig = {
    ...loadConfig({ WECHAT_MOCK: '1', LOG_LEVEL: 'silent' }),
    ...configOverrides,
  }
  const app = express()
  app.set('trust proxy', config.trustProxy)
  app.use('/api/wechat', createWechatProxy(config, deps))
  const { origin, close } = await listenOnLoopback(app)
  return { baseUrl: `${origin}/api/wechat`, config, close }
}
