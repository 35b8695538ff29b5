import { describe, expect, it } from 'vitest'
import { errorFromErrcode, isRefreshable } from '../../proxy/wechat/errcodes.js'

describe('the errcode table', () => {
  it.each([
    [40029, 'code_invalid', 400],
    [40163, 'code_used', 409],
    [42003, 'code_expired', 400],
    [40013, 'wechat_misconfigured', 500],
    [40125, 'wechat_misconfigured', 500],
    [10003, 'wechat_misconfigured', 500],
    [41008, 'invalid_request', 400],
    [45011, 'rate_limited', 429],
    [-1, 'upstream_unavailable', 503],
    [40030, 'reauth_required', 401],
    [42002, 'reauth_required', 401],
    [48001, 'reauth_required', 401],
    [50001, 'reauth_required', 401],
    [40001, 'reauth_required', 401],
    [40014, 'reauth_required', 401],
    [42001, 'reauth_required', 401],
    [99999, 'upstream_error', 502],
  ])('maps %i to %s (%i) and keeps the errcode', (errcode, code, status) => {
    const error = errorFromErrcode(errcode)
    expect(error.code).toBe(code)
    expect(error.status).toBe(status)
    expect(error.toJSON().error.errcode).toBe(errcode)
  })

  it('names the rejected setting of the app that made the call', () => {
    expect(errorFromErrcode(40125).message).toContain('WECHAT_SECRET')
    expect(errorFromErrcode(40013).message).toContain('WECHAT_APPID')
    expect(
      errorFromErrcode(40125, { appid: 'WECHAT_WEB_APPID', secret: 'WECHAT_WEB_SECRET' }).message,
    ).toContain('WECHAT_WEB_SECRET')
  })

  it.each([40001, 40014, 42001])('marks %i as fixed by refreshing the access token', (errcode) => {
    expect(isRefreshable(errorFromErrcode(errcode))).toBe(true)
  })

  it.each([40030, 42002, 48001, -1])('does not mark %i as fixed by a refresh', (errcode) => {
    expect(isRefreshable(errorFromErrcode(errcode))).toBe(false)
  })
})

describe('the errcodes of the basic access token and the ticket', () => {
  const ERRMSG = 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6543-21'

  it("names the server's IP to whitelist for 40164 for the log, never in the answer, on every kind of call", () => {
    for (const call of ['user', 'basic', 'token'] as const) {
      const error = errorFromErrcode(40164, undefined, { call, errmsg: ERRMSG })
      expect(error).toMatchObject({ code: 'wechat_misconfigured', status: 500, errcode: 40164 })
      expect(error.logDetail).toEqual({ whitelistIp: '203.0.113.7' })
      expect(JSON.stringify(error.toJSON())).not.toContain('203.0.113.7')
      expect(error.message).toMatch(/whitelist/i)
    }
  })

  it('decides 40164 by its errcode and keeps anything but an IP out of the message', () => {
    for (const errmsg of [undefined, 'rid: 1', 'invalid ip <script>, not in whitelist', 42]) {
      const error = errorFromErrcode(40164, undefined, { errmsg })
      expect(error.code).toBe('wechat_misconfigured')
      expect(error.message).toMatch(/whitelist/i)
      expect(error.message).not.toMatch(/script|rid|undefined/)
      expect(error.logDetail).toBeUndefined()
    }
  })

  it('answers 45009 (daily quota) as rate_limited, saying it is a daily quota', () => {
    const error = errorFromErrcode(45009, undefined, { call: 'token' })
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, errcode: 45009 })
    expect(error.message).toMatch(/daily/i)
  })

  it.each([40001, 40014, 42001])(
    'answers %i on a call with the basic token as an upstream error fixed by a new token, never reauth',
    (errcode) => {
      const error = errorFromErrcode(errcode, undefined, { call: 'basic' })
      expect(error).toMatchObject({ code: 'upstream_error', status: 502, errcode })
      expect(isRefreshable(error)).toBe(true)
    },
  )

  it('answers 40001 from the token endpoints as a wrong AppSecret, not a token to replace', () => {
    const error = errorFromErrcode(40001, undefined, { call: 'token' })
    expect(error.code).toBe('wechat_misconfigured')
    expect(error.message).toContain('WECHAT_SECRET')
    expect(isRefreshable(error)).toBe(false)
  })
})
