import type { ServerResponse } from 'node:http'
import type { ApiHeaders } from './headers.js'

/**
 * Headers a middleware adds to the answer it lets through (name, value, name, value...), written
 * in the same `writeHead`. `res.setHeader` before `writeHead` costs every header of the answer a
 * removal and a re-validation (Node's "progressive" path); this list costs nothing.
 */
const added = new WeakMap<ServerResponse, string[]>()

/** Adds `headers` (name, value, ...) to the answer `res` will be. */
export function addHeaders(res: ServerResponse, headers: string[]): void {
  const list = added.get(res)
  if (list) list.push(...headers)
  else added.set(res, headers)
}

/** How the proxy answers: every answer with the API headers (headers.ts `apiHeaders`). */
export interface Responder {
  /** A JSON answer. */
  json(res: ServerResponse, status: number, body: object): void
  /** A JSON answer already serialized (a kept code outcome is replayed byte for byte). */
  jsonText(res: ServerResponse, status: number, text: string): void
  /** An answer without a body (204). */
  empty(res: ServerResponse, status: number): void
  /**
   * A public JSON answer that caches may keep (`Cache-Control` in place of `no-store`): only for
   * what is the same for everyone and secret to no one (`GET /jwks.json`).
   */
  publicJsonText(res: ServerResponse, text: string, cacheControl: string): void
}

/**
 * Answers with the API headers written in one `writeHead` from a list made once, and the JSON as
 * Express's `res.json` sends it minus what an answer marked `Cache-Control: no-store` never uses (an
 * ETag, i.e. a SHA-1 of every body, and the conditional-request check behind it). Headers set
 * earlier (CORS, the host app's) are kept, except where `always` names the same header: writeHead's
 * own take precedence. Those of `addHeaders` (the rate limit's) come with `always`.
 */
export function createResponder({ always, unlessSet }: ApiHeaders): Responder {
  /** A new list per answer: `always`, then each of `unlessSet` that `res` does not have yet. */
  const headersFor = (res: ServerResponse) => {
    const headers = [...always, ...(added.get(res) ?? [])]
    for (let i = 0; i < unlessSet.length; i += 2) {
      const name = unlessSet[i]!
      if (!res.hasHeader(name)) headers.push(name, unlessSet[i + 1]!)
    }
    return headers
  }
  const jsonText = (res: ServerResponse, status: number, text: string, cacheControl?: string) => {
    const headers = headersFor(res)
    if (cacheControl !== undefined) {
      // Replaces the API's `no-store` (one of `always`); a list without it gets the header added.
      const at = headers.indexOf('Cache-Control')
      if (at < 0) headers.push('Cache-Control', cacheControl)
      else headers[at + 1] = cacheControl
    }
    headers.push(
      'Content-Type',
      'application/json; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(text)),
    )
    res.writeHead(status, headers)
    res.end(text)
  }
  return {
    json: (res, status, body) => jsonText(res, status, JSON.stringify(body)),
    jsonText: (res, status, text) => jsonText(res, status, text),
    publicJsonText: (res, text, cacheControl) => jsonText(res, 200, text, cacheControl),
    empty(res, status) {
      res.writeHead(status, headersFor(res))
      res.end()
    },
  }
}
