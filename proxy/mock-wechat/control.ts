import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import {
  API_ENDPOINTS,
  API_FAULT_MODES,
  AUTHORIZE_FAULT_MODES,
  FAULT_MODES,
  PAGE_ENDPOINTS,
} from './state.js'
import type { FaultEndpoint, FaultMode, MockState, Scope } from './state.js'
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
 * - `GET stats` -> `{calls: {access_token, refresh_token, userinfo, auth, token, stable_token,
 *   ticket}, authorize, qrconnect, jssdk: {ok, fail}}` (`jssdk`: the stand-in's `wx.config`
 *   checks)
 *   (`authorize` / `qrconnect` = page requests, failed checks included)
 * - `POST reset` -> 204: forgets codes, tokens (basic ones and tickets too), counters, faults, the
 *   clock offset, an armed snapshot visit, recorded shares, and every `apps`, `quotas` and
 *   `ip-whitelist` override (control-basic.ts)
 * - `POST clock {advanceSeconds}` -> `{now}` (ms)
 * - `POST codes {count, scope?, user?, appid?, snapshot?}` -> `{codes}`; `scope` defaults to
 *   `snsapi_base` for an official account and `snsapi_login` for a website app; `snapshot` true/false
 *   forces every code issued by the call; omitted, an armed `snapshot` applies to the first
 *   snsapi_userinfo one
 * - `POST faults {endpoint, mode, ms?, errcode?, times?}` -> 204; `DELETE faults` -> 204 (all,
 *   page faults included). API endpoints (`access_token`, `refresh_token`, `userinfo`, `auth`,
 *   `token`, `stable_token`, `ticket`, `*` = all of them) take `latency` (needs `ms`), `http500`, `busy`, `malformed`, `text-html`, `reset`,
 *   `consume-then-reset`, and `errcode` (needs an integer `errcode`): WeChat's error body for it,
 *   with nothing done (a code stays usable). Endpoints `authorize` and `qrconnect` take
 *   `drop-callback`: once the request passes every check and is approved (snsapi_base: at once;
 *   snsapi_userinfo and qrconnect: on approve), the code is issued but the redirect goes to
 *   redirect_uri without code and state. `times` = how many calls it affects (default: until
 *   cleared); page faults are not counted in `calls`.
 * - `POST snapshot {next: boolean}` -> 204: `true` makes the next snsapi_userinfo code issued
 *   (authorize or `codes` without `snapshot`) a snapshot-page visit (snsapi_base and PC logins
 *   leave it armed): `is_snapshotuser: 1`, a virtual openid (and unionid), userinfo refused
 *   with 48001. While armed, an snsapi_userinfo authorize skips the consent page (WeChat shows
 *   the snapshot page instead) and redirects with a code at once. One-shot; `false` disarms it.
 *   An authorize URL with `forceSnapShot=true` does the same for its own snsapi_userinfo visit.
 * - `POST apps {appid, unionBound: boolean}` -> 204: binds or unbinds a configured app to the open
 *   platform at run time (unionid in token and userinfo responses); reset restores the configuration.
 */
export function createControlRouter({ state, apps }: ControlRouterOptions): Router {
  const router = express.Router()
  router.use('/__control', express.json({ limit: '16kb' }))

  router.get('/__control/stats', (_req, res) => {
    res.json({
      calls: { ...state.calls },
      authorize: state.authorizeCalls,
      qrconnect: state.qrconnectCalls,
      jssdk: { ok: state.jssdk.ok, fail: state.jssdk.fail },
    })
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
    const scope = optionalEnum<Scope>(
      body.scope,
      ['snsapi_base', 'snsapi_userinfo', 'snsapi_login'],
      'scope',
    )
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
    const codeScope = scope ?? (app.kind === 'web' ? 'snsapi_login' : 'snsapi_base')
    const codes: string[] = []
    for (let i = 0; i < count; i++) {
      codes.push(state.issueCode(app.appid, user.id, codeScope, snapshot))
    }
    res.json({ codes })
  })

  router.post('/__control/faults', (req, res) => {
    const body = bodyOf(req)
    const endpoint = optionalEnum<FaultEndpoint>(
      body.endpoint,
      [...API_ENDPOINTS, '*', ...PAGE_ENDPOINTS],
      'endpoint',
    )
    const mode = optionalEnum<FaultMode>(body.mode, FAULT_MODES, 'mode')
    if (!endpoint || !mode) throw new ControlInputError('endpoint and mode are required')
    const ms = body.ms ?? 0
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_LATENCY_MS)) {
      throw new ControlInputError(`ms must be a number from 0 to ${MAX_LATENCY_MS}`)
    }
    if (mode === 'latency' && body.ms === undefined) throw new ControlInputError('latency needs ms')
    const errcode = body.errcode ?? 0
    if (typeof errcode !== 'number' || !Number.isSafeInteger(errcode)) {
      throw new ControlInputError('errcode must be an integer')
    }
    if (mode === 'errcode' && errcode === 0) {
      throw new ControlInputError('mode errcode needs a non-zero errcode')
    }
    if (mode !== 'errcode' && body.errcode !== undefined) {
      // Caught rather than ignored: `{mode: 'busy', errcode: 45011}` would silently send -1.
      throw new ControlInputError('errcode only goes with mode errcode')
    }
    const times = body.times
    if (
      times !== undefined &&
      (typeof times !== 'number' || !Number.isInteger(times) || times < 1)
    ) {
      throw new ControlInputError('times must be a positive integer')
    }
    const common = { ms, errcode, remaining: times ?? Infinity }
    if (endpoint === 'authorize' || endpoint === 'qrconnect') {
      const pageMode = AUTHORIZE_FAULT_MODES.find((candidate) => candidate === mode)
      if (!pageMode) {
        throw new ControlInputError(`${endpoint} takes mode ${AUTHORIZE_FAULT_MODES.join(', ')}`)
      }
      state.pageFaults.set(endpoint, { mode: pageMode, ...common })
    } else {
      const apiMode = API_FAULT_MODES.find((candidate) => candidate === mode)
      if (!apiMode) {
        throw new ControlInputError(`${endpoint} takes mode ${API_FAULT_MODES.join(', ')}`)
      }
      state.faults.set(endpoint, { mode: apiMode, ...common })
    }
    res.status(204).end()
  })

  router.delete('/__control/faults', (_req, res) => {
    state.clearFaults()
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
