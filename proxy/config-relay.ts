import { httpUrl, list, read } from './config-env.js'
import type { Env } from './config-env.js'

/** Hosts a plain-http relay or relayed site may use even in production: this machine only. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

/** Whether `url` may be plain http: only on loopback, or anywhere outside production. */
const secureEnough = (url: URL, strict: boolean) =>
  url.protocol === 'https:' || !strict || LOOPBACK.test(url.hostname)

/**
 * The relay past WeChat's two 网页授权域名 (docs/architecture.md#the-relay), read strictly: a relay
 * that forwards codes to the wrong place hands logins to whoever is there.
 *
 * - WECHAT_RELAY_ORIGINS, on the proxy on an authorized domain: exact origins (scheme, host and
 *   port; no path, no trailing slash, no wildcard), https in production except loopback.
 * - WECHAT_RELAY_URL, on every other site's proxy: the relay's absolute URL, without query, fragment
 *   or credentials (the kit appends `?to=`), https in production except loopback.
 * - Both on one proxy: one deployment answering on several hosts, its pages' logins going through
 *   its own relay. So the relay URL's origin must be in the allow-list (the pages on the authorized
 *   host come back through it too); a proxy pointing at another relay while relaying for others
 *   is a mistake, refused.
 *
 * `strict`: production with the real WeChat (plain http only on loopback).
 */
export function readRelay(
  env: Env,
  problem: (variable: string, text: string) => void,
  strict: boolean,
): { relayOrigins?: string[]; relayUrl?: string } {
  const result: { relayOrigins?: string[]; relayUrl?: string } = {}
  const rawOrigins = read(env, 'WECHAT_RELAY_ORIGINS')
  if (rawOrigins !== undefined) {
    const origins = list(rawOrigins)
    const exact = origins.every((origin) => {
      const url = httpUrl(origin)
      // The URL parser takes `*` in a host: a wildcard is refused here, not read as a host.
      return url?.origin === origin && !origin.includes('*') && secureEnough(url, strict)
    })
    if (origins.length === 0 || !exact) {
      problem(
        'WECHAT_RELAY_ORIGINS',
        'must be a comma list of exact origins like https://shop.example.com (no path, no ' +
          'trailing slash, no wildcard; https in production except on loopback)',
      )
    } else {
      result.relayOrigins = origins
    }
  }
  const rawUrl = read(env, 'WECHAT_RELAY_URL')
  if (rawUrl !== undefined) {
    const url = httpUrl(rawUrl)
    if (
      !url ||
      url.href !== rawUrl ||
      url.search ||
      url.hash ||
      url.username ||
      url.password ||
      !secureEnough(url, strict)
    ) {
      problem(
        'WECHAT_RELAY_URL',
        "must be the relay's absolute URL like https://auth.example.com/api/wechat/relay (no " +
          'query, fragment or user; https in production except on loopback)',
      )
    } else if (result.relayOrigins && !result.relayOrigins.includes(url.origin)) {
      problem(
        'WECHAT_RELAY_URL',
        "with WECHAT_RELAY_ORIGINS set, must be this proxy's own relay: its origin must be one " +
          'of WECHAT_RELAY_ORIGINS',
      )
    } else {
      result.relayUrl = rawUrl
    }
  }
  return result
}
