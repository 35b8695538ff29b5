import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { ProxyError } from '../errors.js'
import { transportError } from './answers.js'

/** WeChat's bodies are tiny; anything bigger is not WeChat and is not read into memory. */
const MAX_BODY_BYTES = 64 * 1024

/** WeChat's answer: its status and its body as text (docs/wechat.md#response-bodies). */
export interface WechatAnswer {
  status: number
  body: string
}

/** How the proxy calls WeChat: a GET with a query string, or a POST of JSON. */
export interface WechatTransport {
  get(path: string, params: Record<string, string>): Promise<WechatAnswer>
  /** `body` is sent as JSON (e.g. stable_token's, with the AppSecret: never in the URL). */
  post(path: string, params: Record<string, string>, body: object): Promise<WechatAnswer>
}

/**
 * Calls to WeChat over node:http(s) with a keep-alive agent of our own: no HTTP client library on
 * the path of every login (axios cost more CPU per call than everything else the exchange does).
 * Each call resolves to WeChat's status and body as text (WeChat often says text/plain for JSON);
 * any failure to get a whole answer within `timeoutMs` is a ProxyError that names no URL or body.
 */
export function createTransport(apiBase: string, timeoutMs: number): WechatTransport {
  const base = new URL(apiBase)
  const secure = base.protocol === 'https:'
  const request = secure ? httpsRequest : httpRequest
  // Like Node's global agent (kept-alive, most recent socket first, idle sockets closed after 5 s),
  // but ours: nothing else in the process shares or reconfigures it. No proxy is ever read from the
  // environment (node:http has none): secrets and tokens travel in query strings and bodies.
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 }
  const agent = secure ? new HttpsAgent(options) : new HttpAgent(options)
  const prefix = base.pathname.replace(/\/+$/, '')
  // An IPv6 literal comes bracketed from URL; node:http wants the bare address.
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1')
  const accept = 'application/json, text/plain, */*'

  const send = (path: string, params: Record<string, string>, json?: string) =>
    new Promise<WechatAnswer>((resolve, reject) => {
      let settled = false
      const fail = (error: ProxyError) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        reject(error)
        // Nothing more is read from a request we gave up on; its socket is not reused.
        req.destroy()
      }
      const query = new URLSearchParams(params).toString()
      const req = request({
        protocol: base.protocol,
        hostname,
        port: base.port,
        path: query ? `${prefix}${path}?${query}` : `${prefix}${path}`,
        method: json === undefined ? 'GET' : 'POST',
        agent,
        headers:
          json === undefined
            ? { accept }
            : {
                accept,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(json),
              },
      })
      // The whole call, not just a quiet socket: WeChat answers within its time or not at all.
      const deadline = setTimeout(
        () =>
          fail(
            new ProxyError('upstream_timeout', 'WeChat did not answer in time', {
              cause: 'ETIMEDOUT',
            }),
          ),
        timeoutMs,
      )
      req.on('error', (error) => fail(transportError(error)))
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        let size = 0
        const unusable = (cause: string) => {
          if (settled) return
          fail(new ProxyError('upstream_error', 'WeChat answered an unusable response', { cause }))
        }
        // A redirect is not followed: its 3xx status is the answer, and an error (parseBody).
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_BODY_BYTES) unusable('ERR_BODY_TOO_LARGE')
          else chunks.push(chunk)
        })
        // The connection dropped in the middle of the body (after 'end', `settled` is already set).
        res.on('error', () => unusable('ERR_BAD_RESPONSE'))
        res.on('close', () => unusable('ERR_BAD_RESPONSE'))
        res.on('end', () => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        })
      })
      req.end(json)
    })

  return {
    get: (path, params) => send(path, params),
    post: (path, params, body) => send(path, params, JSON.stringify(body)),
  }
}
