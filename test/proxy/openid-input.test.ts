import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import type { RunningProxy } from '../helpers/proxy-server.js'
import { setup, teardown } from './support.js'

let mock: RunningMockWechat
let proxy: RunningProxy

beforeEach(async () => {
  ;({ mock, proxy } = await setup())
})

afterEach(teardown)

async function post(
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; code?: string; message?: string }> {
  const response = await fetch(`${proxy.baseUrl}/openid`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
  const json = (await response.json()) as { error?: { code?: string; message?: string } }
  return { status: response.status, ...json.error }
}

async function exchangeCalls(): Promise<number> {
  return (await mock.control.stats()).calls.access_token
}

describe('POST /openid refuses bad input without calling WeChat', () => {
  it.each([
    ['a missing code', {}, 'code'],
    ['a code that is not a string', { code: 12345 }, 'code'],
    ['a code longer than 128 characters', { code: 'a'.repeat(129) }, 'code'],
    ['a code with other characters', { code: 'abc&secret=x' }, 'code'],
    ['a state with other characters', { code: 'abc', state: 'a-b' }, 'state'],
    ['a state longer than 128 characters', { code: 'abc', state: 'a'.repeat(129) }, 'state'],
    ['a verifier with other characters', { code: 'abc', verifier: 'a.b' }, 'verifier'],
    ['an unknown app', { code: 'abc', app: 'miniprogram' }, 'app'],
    ['a body that is not an object', ['abc'], 'body'],
  ])('answers 400 invalid_request naming the field for %s', async (_name, body, field) => {
    const result = await post(JSON.stringify(body))
    expect(result.status).toBe(400)
    expect(result.code).toBe('invalid_request')
    expect(result.message).toContain(field)
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 400 invalid_request for app "web" when no website app is configured', async () => {
    ;({ mock, proxy } = await setup({ config: { web: undefined } }))
    const result = await post(JSON.stringify({ code: 'abc', app: 'web' }))
    expect(result).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 400 invalid_request for broken JSON', async () => {
    const result = await post('{"code": "abc"')
    expect(result).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 415 invalid_request for a form-encoded body', async () => {
    const result = await post('code=abc', 'application/x-www-form-urlencoded')
    expect(result).toMatchObject({ status: 415, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 415 invalid_request for a text/plain body', async () => {
    const result = await post(JSON.stringify({ code: 'abc' }), 'text/plain')
    expect(result).toMatchObject({ status: 415, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 413 invalid_request for a body over 1 KB', async () => {
    const result = await post(JSON.stringify({ code: 'abc', padding: 'x'.repeat(1100) }))
    expect(result).toMatchObject({ status: 413, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 400 invalid_request for an empty JSON body', async () => {
    const result = await post('')
    expect(result).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await exchangeCalls()).toBe(0)
  })

  it('answers 415 invalid_request for a POST without a Content-Type', async () => {
    const response = await fetch(`${proxy.baseUrl}/openid`, { method: 'POST' })
    expect(response.status).toBe(415)
    expect(await exchangeCalls()).toBe(0)
  })
})
