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
