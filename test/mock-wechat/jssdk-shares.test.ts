import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

const SHARE = {
  api: 'updateAppMessageShareData',
  title: '标题',
  desc: 'd',
  link: 'http://localhost:5173/share?from=x',
  imgUrl: 'http://localhost:5173/i.png',
  configured: true,
}

async function reportShare(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${mock.baseUrl}/__jssdk/share`, { method: 'POST', body: JSON.stringify(body) })
}

async function shares(): Promise<unknown[]> {
  const response = await fetch(`${mock.baseUrl}/__control/shares`)
  return ((await response.json()) as { shares: unknown[] }).shares
}

describe('POST __jssdk/share and GET __control/shares', () => {
  it('records what a share call was given, oldest first', async () => {
    await reportShare(SHARE)
    await reportShare({ ...SHARE, api: 'updateTimelineShareData', desc: undefined })
    expect(await shares()).toEqual([SHARE, { ...SHARE, api: 'updateTimelineShareData', desc: '' }])
  })

  it('answers <api>:ok for a link on a JS interface domain', async () => {
    expect(await (await reportShare(SHARE)).json()).toEqual({
      errMsg: 'updateAppMessageShareData:ok',
    })
  })

  it('answers a failure for a link elsewhere, and still records it', async () => {
    const body = (await (
      await reportShare({ ...SHARE, link: 'https://evil.example/' })
    ).json()) as {
      errMsg: string
    }
    expect(body.errMsg).toMatch(/^updateAppMessageShareData:fail/)
    expect(await shares()).toHaveLength(1)
  })

  it('refuses an API that is no share API', async () => {
    expect((await reportShare({ ...SHARE, api: 'chooseImage' })).status).toBe(400)
    expect(await shares()).toEqual([])
  })

  it('keeps the last 100', async () => {
    for (let i = 0; i < 101; i++) await reportShare({ ...SHARE, title: String(i) })
    const kept = (await shares()) as { title: string }[]
    expect(kept).toHaveLength(100)
    expect(kept[0]?.title).toBe('1')
    expect(kept.at(-1)?.title).toBe('100')
  })

  it('forgets them on reset', async () => {
    await reportShare(SHARE)
    await mock.control.reset()
    expect(await shares()).toEqual([])
  })
})

describe('GET open/js/jweixin-1.6.0.js', () => {
  it('serves a classic script as application/javascript', async () => {
    const response = await fetch(`${mock.baseUrl}/open/js/jweixin-1.6.0.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/javascript/)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const source = await response.text()
    // Parsed as a classic script (not run): module syntax would throw here.
    expect(() => new Function(source)).not.toThrow()
    expect(source).not.toMatch(/\beval\(|new Function|\bimport\b|\bexport\b/)
    expect(source).toContain('("/mock-wechat")')
  })
})
