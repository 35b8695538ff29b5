import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import { API_ENDPOINTS, FAULT_MODES } from './state.js'
import type { ApiEndpoint, FaultMode, MockState, Scope } from './state.js'
import { TEST_USERS, findUser } from './users.js'

export interface ControlRouterOptions {
  state: MockState
  apps: readonly MockApp[]
}

class ControlInputError extends Error {}

const MAX_ADVANCE_S = 10 * 365 * 24 * 3600
const MAX_LATENCY_MS = 120_000

/**
 * `/__control/*`: inspect and steer the mock from tests and load scripts. There is no auth on
 * purpose — the mock only runs in development and tests, and it never guards anything real.
 *
 * - `GET stats` -> `{calls: {access_token, refresh_token, userinfo, auth}, authorize}`
 * - `POST reset` -> 204: forgets codes, tokens, counters, faults, the clock offset, an armed
 *   snapshot visit and every `apps` override
 * - `POST clock {advanceSeconds}` -> `{now}` (ms)
 * - `POST codes {count, scope?, user?, appid?, snapshot?}` -> `{codes}`; `snapshot` true/false
 *   forces every code issued by the call; omitted, an armed `snapshot` applies to the first one
 * - `POST faults {endpoint, mode, ms?, times?}` -> 204; `DELETE faults` -> 204
 * - `POST snapshot {next: boolean}` -> 204: `true` makes the next code issued (silent authorize,
 *   consent approval or `codes` without `snapshot`) a snapshot-page visit: `is_snapshotuser: 1`, a
 *   virtual openid (and unionid), userinfo refused with 48001. One-shot; `false` disarms it.
 * - `POST apps {appid, unionBound: boolean}` -> 204: binds or unbinds a configured app to the open
 *   platform at run time (unionid in token and userinfo responses); reset restores the configuration.
 */
export function createControlRouter({ state, apps }: ControlRouterOptions): Router {
  const router = express.Router()
  router.use('/__control', express.json({ limit: '16kb' }))

  router.get('/__control/stats', (_req, res) => {
    res.json({ calls: { ...state.calls }, authorize: state.authorizeCalls })
  })

  router.post('/__control/reset', (_req, res) => {
    state.reset()
    res.status(204).end()
  })

  router.post('/__control/clock', (req, res) => {
    const advanceSeconds = bodyOf(req).advanceSeconds
    if (
      typeof advanceSeconds !== 'number' ||
      !(advanceSeconds >= 0 && advanceSeconds <= MAX_ADVANCE_S)
    ) {
      throw new ControlInputError(`advanceSeconds must be a number from 0 to ${MAX_ADVANCE_S}`)
    }
    res.json({ now: state.advance(advanceSeconds) })
  })

  router.post('/__control/codes', (req, res) => {
    const body = bodyOf(req)
    const count = body.count
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000) {
      throw new ControlInputError('count must be an integer from 1 to 10000')
    }
    const scope = optionalEnum<Scope>(body.scope, ['snsapi_base', 'snsapi_userinfo'], 'scope')
    const snapshot = body.snapshot
    if (snapshot !== undefined && typeof snapshot !== 'boolean') {
      throw new ControlInputError('snapshot must be a boolean')
    }
    const app =
      body.appid === undefined ? apps.find((a) => a.kind === 'mp') : findApp(apps, body.appid)
    if (!app) throw new ControlInputError('appid must be one of the configured apps')
    const user = body.user === undefined ? TEST_USERS[0] : findUser(stringOrUndefined(body.user))
    if (!user)
      throw new ControlInputError(`user must be one of ${TEST_USERS.map((u) => u.id).join(', ')}`)
    const codes: string[] = []
    for (let i = 0; i < count; i++) {
      codes.push(state.issueCode(app.appid, user.id, scope ?? 'snsapi_base', snapshot))
    }
    res.json({ codes })
  })

  router.post('/__control/faults', (req, res) => {
    const body = bodyOf(req)
    const endpoint = optionalEnum<ApiEndpoint | '*'>(
      body.endpoint,
      [...API_ENDPOINTS, '*'],
      'endpoint',
    )
    const mode = optionalEnum<FaultMode>(body.mode, FAULT_MODES, 'mode')
    if (!endpoint || !mode) throw new ControlInputError('endpoint and mode are required')
    const ms = body.ms ?? 0
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_LATENCY_MS)) {
      throw new ControlInputError(`ms must be a number from 0 to ${MAX_LATENCY_MS}`)
    }
    if (mode === 'latency' && body.ms === undefined) throw new ControlInputError('latency needs ms')
    const times = body.times
    if (
      times !== undefined &&
      (typeof times !== 'number' || !Number.isInteger(times) || times < 1)
    ) {
      throw new ControlInputError('times must be a positive integer')
    }
    state.faults.set(endpoint, { mode, ms, remaining: times ?? Infinity })
    res.status(204).end()
  })

  router.delete('/__control/faults', (_req, res) => {
    state.faults.clear()
    res.status(204).end()
  })

  router.post('/__control/snapshot', (req, res) => {
    const next = bodyOf(req).next
    if (typeof next !== 'boolean') throw new ControlInputError('next must be a boolean')
    state.snapshotNext = next
    res.status(204).end()
  })

  router.post('/__control/apps', (req, res) => {
    const body = bodyOf(req)
    const app = findApp(apps, body.appid)
    if (!app) throw new ControlInputError('appid must be one of the configured apps')
    if (typeof body.unionBound !== 'boolean') {
      throw new ControlInputError('unionBound must be a boolean')
    }
    state.unionBound.set(app.appid, body.unionBound)
    res.status(204).end()
  })

  router.use('/__control', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof ControlInputError) return invalid(res, err.message)
    // express.json() marks unreadable bodies with a 4xx status.
    if (isClientError(err)) return invalid(res, 'the body must be a JSON object')
    next(err)
  })

  return router
}

function invalid(res: Response, message: string): void {
  res.status(400).json({ error: { code: 'invalid_request', message } })
}

function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body
  if (body === undefined) return {}
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ControlInputError('the body must be a JSON object')
  }
  return body as Record<string, unknown>
}

function optionalEnum<T extends string>(
  value: unknown,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined) return undefined
  const found = allowed.find((candidate) => candidate === value)
  if (found === undefined)
    throw new ControlInputError(`${name} must be one of ${allowed.join(', ')}`)
  return found
}

function findApp(apps: readonly MockApp[], appid: unknown): MockApp | undefined {
  return apps.find((app) => app.appid === appid)
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function isClientError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('status' in err)) return false
  const status = err.status
  return typeof status === 'number' && status >= 400 && status < 500
}
