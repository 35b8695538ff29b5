import { afterEach, describe, expect, it } from 'vitest'
import { setup, teardown } from './support.js'
import type { Harness } from './support.js'

afterEach(teardown)

const ALLOWED = 'https://h5.example.com'

const harness = (allowedOrigins: string[] = [ALLOWED]) => setup({ config: { allowedOrigins } })

function fromOrigin(h: Harness, origin: string, path = '/config'): Promise<Response> {
  return fetch(`${h.proxy.baseUrl}${path}`, { headers: { origin } })
}

function preflight(h: Harness, origin: string): Promise<Response> {
  return fetch(`${h.proxy.baseUrl}/openid`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  })
}

describe('CORS', () => {
  it('allows an origin in ALLOWED_ORIGINS', async () => {
    const h = await harness()
    const response = await fromOrigin(h, ALLOWED)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
  })

  it('sends no Access-Control-Allow-Origin to any other origin', async () => {
    const h = await harness()
    const response = await fromOrigin(h, 'https://evil.example')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('does not allow a look-alike of an allowed origin', async () => {
    const h = await harness()
    for (const origin of [`${ALLOWED}.evil.example`, 'http://h5.example.com', 'null']) {
      const response = await fromOrigin(h, origin)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('allows no origin at all when ALLOWED_ORIGINS is empty', async () => {
    const h = await harness([])
    const response = await fromOrigin(h, ALLOWED)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('never allows credentials', async () => {
    const h = await harness()
    const response = await fromOrigin(h, ALLOWED)
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('answers a preflight from an allowed origin with Authorization and Content-Type', async () => {
    const h = await harness()
    const response = await preflight(h, ALLOWED)
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    const allowed = response.headers.get('access-control-allow-headers')?.toLowerCase() ?? ''
    expect(allowed.split(',').map((name) => name.trim())).toEqual(
      expect.arrayContaining(['authorization', 'content-type']),
    )
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('answers a preflight from another origin without allowing it', async () => {
    const h = await harness()
    const response = await preflight(h, 'https://evil.example')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('access-control-allow-headers')).toBeNull()
  })

  it('does not exchange a code for a preflight', async () => {
    const h = await harness()
    await preflight(h, ALLOWED)
    expect((await h.mock.control.stats()).calls.access_token).toBe(0)
  })
})
