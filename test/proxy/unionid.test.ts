/**
 * One person across apps (issue 21, point 3; docs/wechat.md#unionid): an openid is per app, a unionid
 * is the person across every app bound to one open-platform account. One mock person signs in through
 * the official account and through the website app: two openids, one unionid, carried by both
 * sessions. And the cases where WeChat gives none: a silent login, apps not bound.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_MP_APP, DEMO_WEB_APP, TEST_USERS } from '../../proxy/mock-wechat/index.js'
import { get, post, setup, teardown } from './support.js'
import type { Harness, LoginResult } from './support.js'

afterEach(teardown)

const [PERSON, OTHER] = TEST_USERS.map((user) => user.id) as [string, string]

/** Both demo apps bound to one open-platform account, as a company that links them has them. */
async function boundApps(): Promise<Harness> {
  return setup({
    mock: { apps: [DEMO_MP_APP, DEMO_WEB_APP].map((app) => ({ ...app, unionBound: true })) },
  })
}

type Way = 'mp userinfo' | 'mp base' | 'web'

/** `user` signs in one way: in WeChat (consent or silent), or on a PC through the website app. */
async function signIn(h: Harness, way: Way, user = PERSON): Promise<LoginResult> {
  const web = way === 'web'
  const [code] = await h.mock.control.codes({
    count: 1,
    user,
    ...(web
      ? { appid: DEMO_WEB_APP.appid, scope: 'snsapi_login' }
      : { scope: way === 'mp base' ? 'snsapi_base' : 'snsapi_userinfo' }),
  })
  const reply = await post(h, '/openid', undefined, { code, ...(web ? { app: 'web' } : {}) })
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`)
  return reply.json as LoginResult
}

/** What `GET /session` says about a session: what any backend reads from it. */
async function sessionOf(
  h: Harness,
  login: LoginResult,
): Promise<{ openid: string; unionid?: string }> {
  const reply = await get(h, '/session', login.session)
  expect(reply.status).toBe(200)
  return reply.json as { openid: string; unionid?: string }
}

describe('one person across the official account and the website app', () => {
  it('has two openids and one unionid, in the answers and in both sessions', async () => {
    const h = await boundApps()
    const inWechat = await signIn(h, 'mp userinfo')
    const onPc = await signIn(h, 'web')
    expect(inWechat.openid).not.toBe(onPc.openid)
    expect(inWechat.unionid).toEqual(expect.any(String))
    expect(onPc.unionid).toBe(inWechat.unionid)
    expect(await sessionOf(h, inWechat)).toMatchObject({
      openid: inWechat.openid,
      unionid: inWechat.unionid,
    })
    expect(await sessionOf(h, onPc)).toMatchObject({
      openid: onPc.openid,
      unionid: inWechat.unionid,
    })
  })

  it('gives another person another unionid', async () => {
    const h = await boundApps()
    const one = await signIn(h, 'web')
    const other = await signIn(h, 'web', OTHER)
    expect(other.unionid).toEqual(expect.any(String))
    expect(other.unionid).not.toBe(one.unionid)
  })

  it('has no unionid after a silent (snsapi_base) login, even with the apps bound', async () => {
    const h = await boundApps()
    const silent = await signIn(h, 'mp base')
    expect(silent).not.toHaveProperty('unionid')
    expect(await sessionOf(h, silent)).not.toHaveProperty('unionid')
    // The same person's consented login in the same app: same openid, and now the unionid.
    const consented = await signIn(h, 'mp userinfo')
    expect(consented.openid).toBe(silent.openid)
    expect(consented.unionid).toEqual(expect.any(String))
  })

  it('has no unionid at all while the apps are not bound to an open-platform account', async () => {
    const h = await setup()
    const inWechat = await signIn(h, 'mp userinfo')
    const onPc = await signIn(h, 'web')
    expect(inWechat.openid).not.toBe(onPc.openid)
    for (const login of [inWechat, onPc]) {
      expect(login).not.toHaveProperty('unionid')
      expect(await sessionOf(h, login)).not.toHaveProperty('unionid')
    }
  })
})
