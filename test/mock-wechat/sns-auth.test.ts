import { afterEach, beforeEach, expect, it } from 'vitest'
import { startMockWechat } from '../helpers/mock-server.js'
import type { RunningMockWechat } from '../helpers/mock-server.js'
import { signIn, snsAuth } from './support.js'

let mock: RunningMockWechat
beforeEach(async () => {
  mock = await startMockWechat()
})
afterEach(() => mock.close())

it('answers errcode 0 ok for a valid token and openid', async () => {
  const body = await snsAuth(mock.baseUrl, await signIn(mock, { scope: 'snsapi_base' }))
  expect(body).toEqual({ errcode: 0, errmsg: 'ok' })
})

it('answers 40001 for an unknown access_token', async () => {
  const token = await signIn(mock)
  expect((await snsAuth(mock.baseUrl, { ...token, access_token: 'x' })).errcode).toBe(40001)
})

it('answers 42001 for an expired access_token', async () => {
  const token = await signIn(mock)
  await mock.control.clock(7201)
  expect((await snsAuth(mock.baseUrl, token)).errcode).toBe(42001)
})

it('answers 40003 for another openid', async () => {
  const token = await signIn(mock)
  const other = await signIn(mock, { user: 'wangdachui' })
  expect((await snsAuth(mock.baseUrl, { ...token, openid: other.openid })).errcode).toBe(40003)
})
