/**
 * One mock WeChat + one proxy on loopback ports, and short calls against them, for the token-custody
 * suites. Use `setup()` in beforeEach and `teardown()` in afterEach.
 */
import type { Logger } from 'pino'
import { createMemoryStore } from '../../proxy/store/index.js'
import type { Store } from '../../proxy/store/index.js'
import type { ProxyConfig } from '../../proxy/config.js'
import type { MockWechatOptions } from '../../proxy/mock-wechat/index.js'
import { API_FAULT_MODES } from '../../proxy/mock-wechat/state.js'
import type { ApiFaultMode } from '../../proxy/mock-wechat/state.js'
import { startMockWechat } from '../helpers/mock-server.js'
import type { ApiFaultEndpoint, FaultBody, RunningMockWechat } from '../helpers/mock-server.js'
import { startProxy } from '../helpers/proxy-server.js'
import type { RunningProxy } from '../helpers/proxy-server.js'

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
}

let running: Harness[] = []

export async function setup(options: HarnessOptions = {}): Promise<Harness> {
  let offsetMs = 0
  const now = () => Date.now() + offsetMs
  const mock = await startMockWechat({ ...options.mock, now })
  const store = createMemoryStore({ now })
  // Retries of WeChat's -1 without the real backoff delay.
  const retry = { sleep: async () => {} }
  const proxy = await startProxy(
    { apiBase: mock.baseUrl, ...options.config },
    { store, now, retry, ...(options.logger ? { logger: options.logger } : {}) },
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

export interface Reply {
  status: number
  text: string
  headers: Headers
  json: unknown
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text()
  return {
    status: response.status,
    text,
    headers: response.headers,
    json: text ? JSON.parse(text) : undefined,
  }
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

export async function get(h: Harness, path: string, session?: string): Promise<Reply> {
  const headers: Record<string, string> =
    session === undefined ? {} : { authorization: `Bearer ${session}` }
  return reply(await fetch(`${h.proxy.baseUrl}${path}`, { headers }))
}

export async function post(
  h: Harness,
  path: string,
  session?: string,
  body?: unknown,
): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (session !== undefined) headers.authorization = `Bearer ${session}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  return reply(
    await fetch(`${h.proxy.baseUrl}${path}`, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  )
}

export function errorCode(r: Reply): string | undefined {
  return (r.json as { error?: { code?: string } } | undefined)?.error?.code
}

export const DAY = 24 * 3600

/** WeChat's transport and body faults: the mock's modes other than `errcode`, which needs an errcode. */
export type FaultMode = Exclude<ApiFaultMode, 'errcode'>
export const FAULT_MODES = API_FAULT_MODES.filter((mode): mode is FaultMode => mode !== 'errcode')

/** A fault on every call to `endpoint` until cleared; `latency` holds each answer `ms`. */
export function fault(endpoint: ApiFaultEndpoint, mode: FaultMode, ms = 600): FaultBody {
  return mode === 'latency' ? { endpoint, mode, ms } : { endpoint, mode }
}
