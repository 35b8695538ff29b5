import express from 'express'
import type { Request, Response, Router } from 'express'
import type { MockApp } from './demo-apps.js'
import { recordShare, verifyConfig } from './jssdk-verify.js'
import type { ConfigCheck, ShareReport } from './jssdk-verify.js'
import { jweixinScript } from './jweixin.js'
import type { MockState } from './state.js'

export interface JssdkRouterOptions {
  state: MockState
  apps: readonly MockApp[]
  /** The JS接口安全域名: hostnames. */
  jssdkDomains: readonly string[]
}

/**
 * The stand-in JS-SDK (docs/wechat.md#js-sdk-signing):
 *
 * - `GET open/js/jweixin-1.6.0.js`: the script (jweixin.ts), `application/javascript`.
 * - `POST __jssdk/config` JSON `{appId, timestamp, nonceStr, signature, url}` -> `{errMsg}`:
 *   `config:ok`, `config:invalid url domain`, `config:invalid signature` or `config:fail`
 *   (jssdk-verify.ts); counted in stats `jssdk.ok` / `jssdk.fail`.
 * - `POST __jssdk/share` JSON `{api, title, desc, link, imgUrl, configured}` -> `{errMsg}`: records
 *   the share call; `<api>:ok` unless the link is off the JS接口安全域名.
 * - `GET __control/shares` -> `{shares: [{api, title, desc, link, imgUrl, configured}]}`, oldest
 *   first (the last 100); reset forgets them.
 *
 * The `__jssdk` calls come from pages on other origins: any origin may post (no credentials), and
 * bodies are read as JSON whatever their Content-Type, so the script needs no preflight.
 */
export function createJssdkRouter({ state, apps, jssdkDomains }: JssdkRouterOptions): Router {
  const router = express.Router()

  router.get('/open/js/jweixin-1.6.0.js', (req, res) => {
    res
      .status(200)
      .type('application/javascript; charset=utf-8')
      .set({
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Access-Control-Allow-Origin': '*',
      })
      .send(jweixinScript(req.baseUrl))
  })

  router.use('/__jssdk', (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*')
    if (req.method !== 'OPTIONS') return next()
    res.set({
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'content-type',
    })
    res.status(204).end()
  })
  router.use('/__jssdk', express.text({ type: () => true, limit: '16kb' }))

  router.post('/__jssdk/config', (req, res) => {
    const errMsg = verifyConfig(state, apps, jssdkDomains, bodyOf<ConfigCheck>(req))
    if (errMsg === 'config:ok') state.jssdk.ok += 1
    else state.jssdk.fail += 1
    res.json({ errMsg })
  })

  router.post('/__jssdk/share', (req, res) => {
    const errMsg = recordShare(state, jssdkDomains, bodyOf<ShareReport>(req))
    if (errMsg === undefined) return badRequest(res, 'api must be a share API')
    res.json({ errMsg })
  })

  router.get('/__control/shares', (_req, res) => {
    res.json({ shares: state.jssdk.shares })
  })

  return router
}

/** The JSON object a body holds; `{}` for anything else (every field then fails its check). */
function bodyOf<T extends object>(req: Request): T {
  const body: unknown = req.body
  if (typeof body !== 'string') return {} as T
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as T)
      : ({} as T)
  } catch {
    return {} as T
  }
}

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: { code: 'invalid_request', message } })
}
