import type { Request } from 'express'
import type { WechatBody } from './respond.js'
import { newRid } from './random.js'

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/** An address as WeChat names it: IPv4 dotted (IPv4-mapped IPv6 unwrapped), else as given. */
export function normalizeIp(address: string): string {
  return MAPPED_V4.exec(address)?.[1] ?? address.toLowerCase()
}

/** The caller's address (the socket's, never a header a caller could forge), normalised. */
export function callerIp(req: Request): string {
  return normalizeIp(req.socket.remoteAddress ?? '')
}

/** undefined = no whitelist configured: every caller may call. */
export function isWhitelisted(ip: string, whitelist: readonly string[] | undefined): boolean {
  return whitelist === undefined || whitelist.some((allowed) => normalizeIp(allowed) === ip)
}

/**
 * 40164, WeChat's message naming the caller both ways (docs/wechat.md#errcodes):
 * `invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: ...`.
 */
export function ipNotWhitelisted(ip: string): WechatBody {
  const ipv6 = ip.includes(':') ? ip : `::ffff:${ip}`
  return {
    errcode: 40164,
    errmsg: `invalid ip ${ip} ipv6 ${ipv6}, not in whitelist rid: ${newRid()}`,
  }
}
