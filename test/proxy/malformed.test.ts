import { gzipSync } from 'node:zlib'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signSession } from '../../proxy/login/session.js'
import { setup, teardown } from './support.js'
import type { Harness } from './support.js'

/**
 * A table of malformed requests. Each must be refused with its 4xx, a JSON error and no call to
 * WeChat at all (every counter of the mock stays 0).
 */

const VERIFIER = 'v'.repeat(43)
const json = 'application/json'

interface Case {
  body: string | Uint8Array<ArrayBuffer>
  type?: string
  headers?: Record<string, string>
  method?: string
  status: number
}

const body = (fields: Record<string, unknown>) => JSON.stringify(fields)
const withCode = (fields: Record<string, unknown>) => body({ code: 'abcdef123456', ...fields })
const nested = (depth: number) => `{"code":${'['.repeat(depth)}"a"${']'.repeat(depth)}}`

const OPENID_CASES: Record<string, Case> = {
  'code as a number': { body: body({ code: 12345 }), status: 400 },
  'code as true': { body: body({ code: true }), status: 400 },
  'code as null': { body: body({ code: null }), status: 400 },
  'code as an array': { body: body({ code: ['abc'] }), status: 400 },
  'code as an object': { body: body({ code: {} }), status: 400 },
  'code as an object with toString': { body: body({ code: { toString: 'x' } }), status: 400 },
  'code empty': { body: body({ code: '' }), status: 400 },
  'code missing': { body: body({ state: 'abc' }), status: 400 },
  'code of 65 characters': { body: body({ code: 'a'.repeat(65) }), status: 400 },
  'code of 900 characters': { body: body({ code: 'a'.repeat(900) }), status: 400 },
  'code with a space': { body: body({ code: 'abc def' }), status: 400 },
  'code with NUL': { body: body({ code: 'abc\u0000def' }), status: 400 },
  'code with a newline': { body: body({ code: 'abc\ndef' }), status: 400 },
  'code with a bell character': { body: body({ code: 'abc\u0007' }), status: 400 },
  'code with a Cyrillic look-alike': { body: body({ code: '\u0430bcdef' }), status: 400 },
  'code in fullwidth letters': { body: body({ code: '\uff21\uff22\uff23' }), status: 400 },
  'code with a zero-width space': { body: body({ code: 'abc\u200bdef' }), status: 400 },
  'code with an emoji': { body: body({ code: 'abc\u{1F600}' }), status: 400 },
  'code smuggling a query parameter': { body: body({ code: 'abc&secret=x' }), status: 400 },
  'code percent-encoded': { body: body({ code: 'abc%26x' }), status: 400 },
  'code with a dot': { body: body({ code: 'abc.def' }), status: 400 },
  'code escaped with a NUL': { body: '{"code":"\\u0061bc\\u0000"}', status: 400 },
  'state with a dash': { body: withCode({ state: 'a-b' }), status: 400 },
  'state of 129 characters': { body: withCode({ state: 'a'.repeat(129) }), status: 400 },
  'state as a number': { body: withCode({ state: 1 }), status: 400 },
  'state empty': { body: withCode({ state: '' }), status: 400 },
  'state as null': { body: withCode({ state: null }), status: 400 },
  'state with NUL': { body: withCode({ state: 'ab\u0000' }), status: 400 },
  'state in Chinese': { body: withCode({ state: '\u72b6\u6001' }), status: 400 },
  'verifier of 15 characters': { body: withCode({ verifier: 'v'.repeat(15) }), status: 400 },
  'verifier of 129 characters': { body: withCode({ verifier: 'v'.repeat(129) }), status: 400 },
  'verifier with a dot': { body: withCode({ verifier: `${VERIFIER}.` }), status: 400 },
  'verifier as a number': { body: withCode({ verifier: 1234567890123456 }), status: 400 },
  'verifier as an array': { body: withCode({ verifier: [VERIFIER] }), status: 400 },
  'app unknown': { body: withCode({ app: 'miniprogram' }), status: 400 },
  'app in capitals': { body: withCode({ app: 'MP' }), status: 400 },
  'app as a number': { body: withCode({ app: 1 }), status: 400 },
  'app as null': { body: withCode({ app: null }), status: 400 },
  'an unknown field': { body: withCode({ extra: 1 }), status: 400 },
  'a field named Code': { body: body({ Code: 'abcdef' }), status: 400 },
  'a 500-character field name': { body: withCode({ ['k'.repeat(500)]: 1 }), status: 400 },
  'a __proto__ key': { body: '{"__proto__":{"app":"web"},"code":"abcdef"}', status: 400 },
  'only a __proto__ key': { body: '{"__proto__":{"code":"abcdef"}}', status: 400 },
  'a constructor key': { body: '{"constructor":{"prototype":{}},"code":"abcdef"}', status: 400 },
  'a prototype key': { body: '{"prototype":1,"code":"abcdef"}', status: 400 },
  'duplicate code keys, the last a number': { body: '{"code":"abcdef","code":1}', status: 400 },
  'duplicate verifier keys': {
    body: `{"code":"abcdef","verifier":"${VERIFIER}","verifier":"short"}`,
    status: 400,
  },
  'nesting 200 deep': { body: nested(200), status: 400 },
  'nesting 5000 deep (over 1 KB)': { body: nested(5000), status: 413 },
  'a body over 1 KB': { body: withCode({ state: 'a'.repeat(1100) }), status: 413 },
  'JSON null': { body: 'null', status: 400 },
  'a JSON array': { body: '[]', status: 400 },
  'a JSON array of one object': { body: '[{"code":"abcdef"}]', status: 400 },
  'a JSON number': { body: '1', status: 400 },
  'a JSON string': { body: '"abcdef"', status: 400 },
  'JSON true': { body: 'true', status: 400 },
  'an empty body': { body: '', status: 400 },
  'a whitespace body': { body: '   ', status: 400 },
  'broken JSON': { body: '{"code": "abcdef"', status: 400 },
  'a trailing comma': { body: '{"code":"abcdef",}', status: 400 },
  'single quotes': { body: "{'code':'abcdef'}", status: 400 },
  'a comment': { body: '{"code":"abcdef" /* hi */}', status: 400 },
  'bytes that are not UTF-8': {
    body: Buffer.from([...Buffer.from('{"code":"abc'), 0xff, 0xfe, ...Buffer.from('"}')]),
    type: json,
    status: 400,
  },
  'text/plain': { body: withCode({}), type: 'text/plain', status: 415 },
  'text/plain with a charset': {
    body: withCode({}),
    type: 'text/plain;charset=UTF-8',
    status: 415,
  },
  'a form': { body: 'code=abcdef123456', type: 'application/x-www-form-urlencoded', status: 415 },
  'multipart/form-data': {
    body: '--b\r\nContent-Disposition: form-data; name="code"\r\n\r\nabcdef123456\r\n--b--\r\n',
    type: 'multipart/form-data; boundary=b',
    status: 415,
  },
  'no Content-Type': { body: new TextEncoder().encode(withCode({})), status: 415 },
  'application/jsonx': { body: withCode({}), type: 'application/jsonx', status: 415 },
  'a +json type': { body: withCode({}), type: 'application/vnd.api+json', status: 415 },
  'JSON labelled UTF-16': { body: withCode({}), type: `${json}; charset=utf-16`, status: 415 },
  'JSON labelled UTF-7': { body: withCode({}), type: `${json}; charset=utf-7`, status: 415 },
  'JSON labelled latin1': { body: withCode({}), type: `${json}; charset=latin1`, status: 415 },
  // A regex saw the quoted utf-8 first; the body parser decodes the real parameter, UTF-7.
  'UTF-7 behind a quoted utf-8': {
    body: withCode({}),
    type: `${json}; x="a;charset=utf-8"; charset=utf-7`,
    status: 415,
  },

  'gzip-compressed JSON': {
    body: gzipSync(withCode({})),
    headers: { 'content-encoding': 'gzip' },
    status: 415,
  },
  'GET instead of POST': { body: '', method: 'GET', status: 404 },
  'PUT instead of POST': { body: withCode({}), method: 'PUT', status: 404 },
}

/** Authorization headers that must be refused on every Bearer endpoint; built once the secret is known. */
async function forgedHeaders(secret: string): Promise<Record<string, string | undefined>> {
  const key = new TextEncoder().encode(secret)
  const claims = { scope: 'snsapi_base', app: 'mp' }
  const jwt = (alg = 'HS256') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg })
      .setSubject('o1')
      .setIssuer('wechat-h5-auth')
      .setJti('jti-1')
      .setIssuedAt()
      .setExpirationTime('1h')
  const valid = (await signSession({ openid: 'o1', ...claims, app: 'mp' }, secret, 3600)).token
  const other = (await signSession({ openid: 'o2', ...claims, app: 'mp' }, secret, 3600)).token
  const [header, payload, signature] = valid.split('.') as [string, string, string]
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object
  const swapped = Buffer.from(JSON.stringify({ ...decoded, sub: 'o2' })).toString('base64url')
  const hs512Header = Buffer.from('{"alg":"HS512"}').toString('base64url')
  return {
    'no header': undefined,
    'an empty header': '',
    'the scheme alone': 'Bearer',
    'the scheme and a space': 'Bearer ',
    'Basic credentials': 'Basic dXNlcjpwYXNz',
    'a Digest header': 'Digest username="x"',
    'a session under another scheme': `Token ${valid}`,
    'two spaces after Bearer': `Bearer  ${valid}`,
    'a session without a scheme': valid,
    'two tokens separated by a comma': `Bearer ${valid}, Bearer ${other}`,
    'two tokens separated by a space': `Bearer ${valid} ${other}`,
    garbage: 'Bearer garbage',
    'two parts': `Bearer ${header}.${payload}`,
    'four parts': `Bearer ${valid}.x`,
    'a Latin-1 character': 'Bearer \u00f1.\u00f1.\u00f1',
    'a token over 4 KB': `Bearer ${header}.${'a'.repeat(5000)}.${signature}`,
    'alg none': `Bearer ${new UnsecuredJWT(claims).setSubject('o1').setIssuer('wechat-h5-auth').setJti('j').setIssuedAt().setExpirationTime('1h').encode()}`,
    'alg HS512 with the right key': `Bearer ${await jwt('HS512').sign(key)}`,
    'the wrong key': `Bearer ${await jwt().sign(new TextEncoder().encode('w'.repeat(32)))}`,
    'an expired session': `Bearer ${(await signSession({ openid: 'o1', ...claims, app: 'mp' }, secret, 60, Date.now() - 120_000)).token}`,
    'a session not yet valid': `Bearer ${await jwt().setNotBefore('1h').sign(key)}`,
    'a session issued in the future': `Bearer ${await jwt()
      .setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
      .setNotBefore('1h')
      .sign(key)}`,
    'no sub': `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('wechat-h5-auth').setJti('j').setIssuedAt().setExpirationTime('1h').sign(key)}`,
    'no jti': `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('o1').setIssuer('wechat-h5-auth').setIssuedAt().setExpirationTime('1h').sign(key)}`,
    'no exp': `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('o1').setIssuer('wechat-h5-auth').setJti('j').setIssuedAt().sign(key)}`,
    'another issuer': `Bearer ${await jwt().setIssuer('someone-else').sign(key)}`,
    'an unknown app claim': `Bearer ${await new SignJWT({ ...claims, app: 'xx' }).setProtectedHeader({ alg: 'HS256' }).setSubject('o1').setIssuer('wechat-h5-auth').setJti('j').setIssuedAt().setExpirationTime('1h').sign(key)}`,
    'a tampered payload': `Bearer ${header}.${swapped}.${signature}`,
    'a tampered header': `Bearer ${hs512Header}.${payload}.${signature}`,
    'no signature': `Bearer ${header}.${payload}.`,
  }
}

let h: Harness

beforeEach(async () => {
  h = await setup({ config: { sessionCheckWechat: true } })
})

afterEach(teardown)

/** Every API call WeChat received, summed over its endpoints. */
async function upstreamCalls(): Promise<number> {
  return Object.values((await h.mock.control.stats()).calls).reduce((sum, n) => sum + n, 0)
}

/** One request to the proxy and the refusal it must get. */
interface Malformed {
  name: string
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array<ArrayBuffer>
  status: number
  code: string
}

const BEARER_ENDPOINTS = [
  ['GET', '/session'],
  ['GET', '/userinfo'],
  ['POST', '/logout'],
] as const

function openidRequest(name: string, c: Case): Malformed {
  const headers: Record<string, string> = { ...c.headers }
  if (c.type !== undefined) headers['content-type'] = c.type
  else if (typeof c.body === 'string') headers['content-type'] = json
  const method = c.method ?? 'POST'
  return {
    name,
    method,
    path: '/openid',
    headers,
    ...(method === 'GET' ? {} : { body: c.body }),
    status: c.status,
    code: c.status === 404 ? 'not_found' : 'invalid_request',
  }
}

/** Each forged or malformed Authorization header on each Bearer endpoint. */
async function bearerRequests(): Promise<Malformed[]> {
  const cases = await forgedHeaders(h.proxy.config.sessionSecret)
  return Object.entries(cases).flatMap(([name, authorization]) =>
    BEARER_ENDPOINTS.map(([method, path]): Malformed => ({
      name: `${name} ${path}`,
      method,
      path,
      headers: authorization === undefined ? {} : { authorization },
      status: 401,
      code: 'unauthorized',
    })),
  )
}

/** The `error.code` of a JSON error body; undefined for anything else. */
function errorCodeIn(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code
  } catch {
    return undefined
  }
}

/** Sends `request`; undefined when it was refused as it must be, else what came back instead. */
async function mismatch(request: Malformed): Promise<string | undefined> {
  const { method, headers, body } = request
  const response = await fetch(`${h.proxy.baseUrl}${request.path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  })
  const text = await response.text()
  if (response.status === request.status && errorCodeIn(text) === request.code) return undefined
  return `${request.name}: ${response.status} ${text}`
}

/** The mismatches of `requests`, sent one after another. */
async function mismatches(requests: Malformed[]): Promise<string[]> {
  const found: string[] = []
  for (const request of requests) {
    const wrong = await mismatch(request)
    if (wrong !== undefined) found.push(wrong)
  }
  return found
}

describe('POST /openid with a malformed request', () => {
  it.each(Object.entries(OPENID_CASES))('refuses %s without calling WeChat', async (name, c) => {
    expect(await mismatch(openidRequest(name, c))).toBeUndefined()
    expect(await upstreamCalls()).toBe(0)
  })
})

describe('Bearer endpoints with a bad Authorization header', () => {
  it('refuse every forged or malformed header with 401 on /session, /userinfo and /logout', async () => {
    expect(await mismatches(await bearerRequests())).toEqual([])
    expect(await upstreamCalls()).toBe(0)
  })
})

describe('the malformed requests in all', () => {
  it('are at least 60 distinct requests, every one refused as it must be', async () => {
    const requests = [
      ...Object.entries(OPENID_CASES).map(([name, c]) => openidRequest(name, c)),
      ...(await bearerRequests()),
    ]
    // Two cases that send the same bytes would count one request twice.
    const bytes = (r: Malformed) =>
      JSON.stringify([r.method, r.path, r.headers, Buffer.from(r.body ?? '').toString('base64')])
    expect(new Set(requests.map(bytes)).size).toBe(requests.length)
    expect(requests.length).toBeGreaterThanOrEqual(60)
    expect(await mismatches(requests)).toEqual([])
    expect(await upstreamCalls()).toBe(0)
  })
})
