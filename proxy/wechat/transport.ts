import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { ProxyError } from '../errors.js'
import { transportError } from './answers.js'

/** WeChat's bodies are tiny; anything bigger is not WeChat and is not read into memory. */
const MAX_BODY_BYTES = 64 * 1024

/**
 * One GET to WeChat over node:http(s) with a keep-alive agent of our own: no HTTP client library
 * on the path of every login (axios cost more CPU per call than everything else the exchange does).
 * Resolves to the status and the body as text (WeChat often says text/plain for JSON, docs/wechat.md#response-bodies);
 * any failure to get a whole answer is a ProxyError.
 */
export function createGet(apiBase: string, timeoutMs: number) {
  const base = new URL(apiBase)
  const secure = base.protocol === 'https:'
  const request = secure ? httpsRequest : httpRequest
  // Like Node's global agent (kept-alive, most recent socket first, idle sockets closed after 5 s),
  // but ours: nothing else in the process shares or reconfigures it. No proxy is ever read from the
  // environment (node:http has none): secrets and tokens travel in query strings.
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 }
  const agent = secure ? new HttpsAgent(options) : new HttpAgent(options)
  const prefix = base.pathname.replace(/\/+$/, '')
  // An IPv6 literal comes bracketed from URL; node:http wants the bare address.
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1')
  const headers = { accept: 'application/json, text/plain, */*' }

  return (path: string, params: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      let settled = false
      const fail = (error: ProxyError) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        reject(error)
        // Nothing more is read from a request we gave up on; its socket is not reused.
        req.destroy()
      }
      const req = request({
        protocol: base.protocol,
        hostname,
        port: base.port,
        path: `${prefix}${path}?${new URLSearchParams(params).toString()}`,
        method: 'GET',
        agent,
        headers,
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
      req.end()
    })
}
