/**
 * One mock WeChat + one proxy on loopback ports, and short calls against them, for the token-custody
 * suites. Use `setup()` in beforeEach and `teardown()` in afterEach.
 */
import type { Logger } from 'pino'
import { createMemoryStore } from '../../proxy/store/index.js'
import type { Store } from '../../proxy/store/index.js'
import type { ProxyConfig } from '../../proxy/config.js'
import type { WechatProxyDeps } from '../../proxy/http/router.js'
import type { MockWechatOptions } from '../../proxy/mock-wechat/index.js'
import { call } from '../helpers/http.js'
import type { Reply } from '../helpers/http.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { startProxy } from '../helpers/proxy-server.js'
import type { RunningProxy } from '../helpers/proxy-server.js'

export { errorCode } from '../helpers/http.js'
export type { Reply } from '../helpers/http.js'

export interface Harness {
  mock: RunningMockWechat
  proxy: RunningProxy
  /** The proxy's store, to look at (or plant) what it keeps. */
  store: Store
  /** Moves the clock both the mock and the proxy read (unlike `mock.control.clock`). */
  advanceBoth(seconds: number): void
}

export interface HarnessOptions {
  config?: Partial<ProxyConfig>
  mock?: Partial<MockWechatOptions>
  /** The proxy's logger. @default silent */
  logger?: Logger
  /** Wraps the harness's memory store before the proxy gets it, to fail or watch its calls. */
  store?: (store: Store) => Store
  /** More of createWechatProxy's deps (the store, clock, retry and logger are the harness's). */
  deps?: Omit<WechatProxyDeps, 'store' | 'now' | 'retry' | 'logger'>
}

let running: Harness[] = []

export async function setup(options: HarnessOptions = {}): Promise<Harness> {
  let offsetMs = 0
  const now = () => Date.now() + offsetMs
  const mock = await startMockWechat({ ...options.mock, now })
  const memory = createMemoryStore({ now })
  const store = options.store ? options.store(memory) : memory
  // Retries of WeChat's -1 without the real backoff delay.
  const retry = { sleep: async () => {} }
  const proxy = await startProxy(
    { apiBase: mock.baseUrl, ...options.config },
    { ...options.deps, store, now, retry, ...(options.logger ? { logger: options.logger } : {}) },
  )
  const harness = {
    mock,
    proxy,
    store,
    advanceBoth: (seconds: number) => void (offsetMs += seconds * 1000),
  }
  running.push(harness)
  return harness
}

export async function teardown(): Promise<void> {
  for (const { proxy, mock } of running) {
    await proxy.close()
    await mock.close()
  }
  running = []
}

export interface LoginResult {
  openid: string
  unionid?: string
  scope: string
  snapshotUser: boolean
  session: string
  sessionExpiresAt: string
}

/** Signs `user` in through a pre-issued code, as the kit does after WeChat's redirect. */
export async function login(
  h: Harness,
  options: { scope?: 'snsapi_base' | 'snsapi_userinfo'; user?: string; snapshot?: boolean } = {},
): Promise<LoginResult> {
  const [code] = await h.mock.control.codes({ count: 1, scope: 'snsapi_userinfo', ...options })
  const result = await post(h, '/openid', undefined, { code })
  if (result.status !== 200) throw new Error(`login failed: ${result.status} ${result.text}`)
  return result.json as LoginResult
}

export function get(h: Harness, path: string, session?: string): Promise<Reply> {
  return call(h.proxy, 'GET', path, { session })
}

export function post(h: Harness, path: string, session?: string, body?: unknown): Promise<Reply> {
  return call(h.proxy, 'POST', path, { session, body })
}

export const DAY = 24 * 3600
