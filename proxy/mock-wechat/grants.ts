import type { MockApp } from './demo-apps.js'
import type { WechatBody } from './respond.js'
import { ACCESS_TOKEN_LIFETIME_S } from './state.js'
import type { Grant, MockState } from './state.js'
import { openidFor, snapshotOpenidFor, snapshotUnionidFor, unionidFor } from './users.js'

/** The openid a grant speaks for: a snapshot visit only ever sees its virtual one. */
export function openidOfGrant(grant: Grant): string {
  return grant.snapshot
    ? snapshotOpenidFor(grant.appid, grant.userId)
    : openidFor(grant.appid, grant.userId)
}

/** The unionid to show for a grant, if any (bound apps only; virtual for a snapshot visit). */
export function unionidOfGrant(state: MockState, app: MockApp, grant: Grant): string | undefined {
  // docs/wechat.md#unionid: unionid only for bound apps, and for an official account only with snsapi_userinfo.
  if (!state.isUnionBound(app)) return undefined
  if (app.kind === 'mp' && grant.scope !== 'snsapi_userinfo') return undefined
  return grant.snapshot ? snapshotUnionidFor(grant.userId) : unionidFor(grant.userId)
}

/** The success shape shared by access_token and refresh_token. */
export function tokenBody(state: MockState, app: MockApp, grant: Grant): WechatBody {
  const body: WechatBody = {
    access_token: grant.accessToken,
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    refresh_token: grant.refreshToken,
    openid: openidOfGrant(grant),
    scope: grant.scope,
  }
  if (grant.snapshot) body.is_snapshotuser = 1
  const unionid = unionidOfGrant(state, app, grant)
  if (unionid !== undefined) body.unionid = unionid
  return body
}
