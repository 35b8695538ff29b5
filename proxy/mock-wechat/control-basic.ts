import express from 'express'
import type { Router } from 'express'
import type { DailyQuotas } from './basic-tokens.js'
import type { MockApp } from './demo-apps.js'
import type { MockState } from './state.js'

export interface BasicControlOptions {
  state: MockState
  apps: readonly MockApp[]
}

const QUOTA_NAMES: readonly (keyof DailyQuotas)[] = ['token', 'stable_token_force', 'ticket']

/**
 * `/__control/*` for the basic access_token and the jsapi_ticket (no auth, like the rest of the
 * control API):
 *
 * - `POST invalidate-token {appid?}` -> 204: another server replaced the basic token: every
 *   classic and stable token of that official account (of every app when `appid` is omitted)
 *   answers 40001 from now on; the next stable_token call issues a new one. Tickets stay valid.
 * - `POST quotas {token?, stable_token_force?, ticket?}` -> `{token, stable_token_force, ticket}`:
 *   sets the daily quotas per appid (defaults 2000, 20, 10000); reset restores them.
 * - `POST ip-whitelist {ips: string[] | null}` -> 204: replaces the IP白名单 of `/cgi-bin/*`
 *   (`null` = every caller allowed); reset restores the configured one (option `ipWhitelist`).
 */
export function createBasicControlRouter({ state, apps }: BasicControlOptions): Router {
  const router = express.Router()
  router.use('/__control', express.json({ limit: '16kb' }))

  router.post('/__control/invalidate-token', (req, res) => {
    const appid = isRecord(req.body) ? req.body.appid : undefined
    if (appid === undefined) state.basic.invalidate()
    else if (apps.some((app) => app.appid === appid && app.kind === 'mp')) {
      state.basic.invalidate(String(appid))
    } else return invalid(res, 'appid must be one of the configured official accounts')
    res.status(204).end()
  })

  router.post('/__control/quotas', (req, res) => {
    const body: unknown = req.body ?? {}
    if (!isRecord(body)) return invalid(res, 'the body must be a JSON object')
    const quotas = { ...state.basic.quotas }
    for (const name of QUOTA_NAMES) {
      const value = body[name]
      if (value === undefined) continue
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        return invalid(res, `${name} must be a non-negative integer`)
      }
      quotas[name] = value
    }
    state.basic.quotas = quotas
    res.json(quotas)
  })

  router.post('/__control/ip-whitelist', (req, res) => {
    const ips: unknown = isRecord(req.body) ? req.body.ips : undefined
    if (ips === null) state.basic.ipWhitelist = undefined
    else if (Array.isArray(ips) && ips.every((ip) => typeof ip === 'string')) {
      state.basic.ipWhitelist = ips as string[]
    } else return invalid(res, 'ips must be an array of strings, or null')
    res.status(204).end()
  })

  return router
}

function invalid(res: express.Response, message: string): void {
  res.status(400).json({ error: { code: 'invalid_request', message } })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
