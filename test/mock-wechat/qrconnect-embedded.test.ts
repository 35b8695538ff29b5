import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { desktopGet, qrCodeFrom, qrForm, qrconnectUrl, submitQr } from './qrconnect-support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const HASH_REDIRECT = 'http://localhost:5173/#/login'

function embeddedUrl(overrides: Record<string, string | undefined> = {}): string {
  return qrconnectUrl(mock.baseUrl, {
    response_type: undefined,
    redirect_uri: HASH_REDIRECT,
    login_type: 'jssdk',
    ...overrides,
  })
}

async function approveEmbedded(
  overrides: Record<string, string | undefined> = {},
  accept?: string,
): Promise<Response> {
  const { action, fields } = await qrForm(mock, embeddedUrl(overrides))
  return submitQr(action, fields, 'allow', accept)
}

/** The URL the embedded default's answer sends `window.top` to. */
function topTarget(html: string): string | undefined {
  const literal = /window\.top\.location\.href=("(?:[^"\\]|\\.)*")/.exec(html)?.[1]
  return literal === undefined ? undefined : (JSON.parse(literal) as string)
}

function rootAttributes(html: string): string {
  return /<div class="card" data-testid="wechat-qrconnect"[^>]*>/.exec(html)?.[0] ?? ''
}

describe('framing', () => {
  it('lets any site frame the QR page', async () => {
    const response = await desktopGet(embeddedUrl())
    expect(response.headers.get('x-frame-options')).toBeNull()
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *')
  })

  it('lets any site frame an error page too', async () => {
    const response = await desktopGet(embeddedUrl({ appid: undefined }))
    expect(response.headers.get('x-frame-options')).toBeNull()
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *')
  })

  it('lets any site frame the top-navigation page', async () => {
    const response = await approveEmbedded()
    expect(response.headers.get('x-frame-options')).toBeNull()
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *')
  })

  it('allows only its own nonce for the inline script', async () => {
    const response = await desktopGet(embeddedUrl())
    const nonce = /<script nonce="([^"]+)">/.exec(await response.text())?.[1]
    expect(nonce).toBeDefined()
    expect(response.headers.get('content-security-policy')).toContain(
      `script-src 'nonce-${nonce ?? ''}'`,
    )
  })
})

describe('approve in the iframe', () => {
  it('redirects the iframe itself with 302 when self_redirect=true', async () => {
    const response = await approveEmbedded({ self_redirect: 'true' })
    expect(response.status).toBe(302)
    const location = response.headers.get('location') ?? ''
    expect(location).toBe(`${HASH_REDIRECT}?code=${qrCodeFrom(location) ?? ''}&state=abc123`)
  })

  it.each([undefined, 'false', 'default'])(
    'navigates the top window when self_redirect is %s',
    async (selfRedirect) => {
      const response = await approveEmbedded({ self_redirect: selfRedirect })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      const target = topTarget(await response.text()) ?? ''
      expect(target).toBe(`${HASH_REDIRECT}?code=${qrCodeFrom(target) ?? ''}&state=abc123`)
      expect(qrCodeFrom(target)).toMatch(/^0\w{31}$/)
    },
  )

  it('offers a link to the top window for browsers that refuse the script', async () => {
    const html = await (await approveEmbedded()).text()
    const target = topTarget(html) ?? ''
    expect(html).toContain(
      `<a data-testid="wechat-continue" target="_top" href="${target.replace(/&/g, '&amp;')}">`,
    )
  })

  it('answers the iframe script with the callback and the window to send there', async () => {
    const response = await approveEmbedded({}, 'application/json')
    const body = (await response.json()) as { redirect: string; target: string }
    expect(body.target).toBe('top')
    expect(body.redirect).toBe(
      `${HASH_REDIRECT}?code=${qrCodeFrom(body.redirect) ?? ''}&state=abc123`,
    )
  })

  it('answers the iframe script with target self when self_redirect=true', async () => {
    const response = await approveEmbedded({ self_redirect: 'true' }, 'application/json')
    expect(await response.json()).toMatchObject({ target: 'self' })
  })

  it('answers the iframe script with the error of a request that fails the checks', async () => {
    const { action, fields } = await qrForm(mock, embeddedUrl())
    fields.set('redirect_uri', 'https://evil.com/')
    const response = await submitQr(action, fields, 'allow', 'application/json')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { errcode: 10003 } })
  })

  it('sends a denial to the top window with the state only', async () => {
    const { action, fields } = await qrForm(mock, embeddedUrl())
    const html = await (await submitQr(action, fields, 'deny')).text()
    expect(topTarget(html)).toBe(`${HASH_REDIRECT}?state=abc123`)
  })

  it('keeps the target inside the script block whatever the state says', async () => {
    const { action, fields } = await qrForm(mock, embeddedUrl())
    fields.set('state', '</script><script>alert(1)</script>')
    const html = await (await submitQr(action, fields, 'deny')).text()
    expect(html.match(/<script/g)).toHaveLength(1)
  })
})

describe('display options', () => {
  it('shows the compact embedded layout only for login_type=jssdk', async () => {
    const embedded = await (await desktopGet(embeddedUrl())).text()
    const full = await (await desktopGet(qrconnectUrl(mock.baseUrl))).text()
    expect(rootAttributes(embedded)).toContain('data-embedded="true"')
    expect(embedded).toContain('<body class="embedded style-black">')
    expect(rootAttributes(full)).toContain('data-embedded="false"')
    expect(full).toContain('<body class="full">')
  })

  it('switches to light text with style=white', async () => {
    const html = await (await desktopGet(embeddedUrl({ style: 'white' }))).text()
    expect(rootAttributes(html)).toContain('data-style="white"')
    expect(html).toContain('<body class="embedded style-white">')
  })

  it('uses the smaller layout with stylelite=1', async () => {
    const html = await (await desktopGet(embeddedUrl({ stylelite: '1' }))).text()
    expect(rootAttributes(html)).toContain('data-stylelite="1"')
    expect(html).toMatch(/<svg [^>]*width="120"/)
  })

  it('links an https stylesheet from href and allows its origin', async () => {
    const href = 'https://cdn.example.com/wx/qr.css'
    const response = await desktopGet(embeddedUrl({ href }))
    expect(await response.text()).toContain(`<link rel="stylesheet" href="${href}">`)
    expect(response.headers.get('content-security-policy')).toContain('https://cdn.example.com')
  })

  it.each(['javascript:alert(1)', 'data:text/css,body{}', '/relative.css'])(
    'ignores the href %s',
    async (href) => {
      const html = await (await desktopGet(embeddedUrl({ href }))).text()
      expect(html).not.toContain('<link rel="stylesheet"')
    },
  )

  it('carries the display options to the confirm step', async () => {
    const { fields } = await qrForm(
      mock,
      embeddedUrl({ style: 'white', stylelite: '1', self_redirect: 'true' }),
    )
    expect(fields.get('login_type')).toBe('jssdk')
    expect(fields.get('self_redirect')).toBe('true')
    expect(fields.get('style')).toBe('white')
    expect(fields.get('stylelite')).toBe('1')
  })
})
