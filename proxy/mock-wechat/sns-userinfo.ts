import type { MockApp } from './demo-apps.js'
import { wechatError } from './respond.js'
import type { WechatBody } from './respond.js'
import { openidOfGrant, unionidOfGrant } from './grants.js'
import type { Grant, MockState } from './state.js'
import { avatarPath, findUser } from './users.js'

export type GrantCheck = { ok: true; grant: Grant } | { ok: false; error: WechatBody }

const refuse = (errcode: number): GrantCheck => ({ ok: false, error: wechatError(errcode) })

/** The access_token + openid pair both /sns/userinfo and /sns/auth check, in WeChat's order. */
export function checkGrant(state: MockState, query: URLSearchParams): GrantCheck {
  const accessToken = query.get('access_token')
  const openid = query.get('openid')
  if (!accessToken) return refuse(41001)
  const grant = state.grantsByAccessToken.get(accessToken)
  // Unknown, or replaced by a refresh after it expired: WeChat no longer knows it at all.
  if (!grant) return refuse(40001)
  if (state.now() >= grant.accessExpiresAt) return refuse(42001)
  if (!openid) return refuse(41009)
  // A token only speaks for the person it was issued for: no reading someone else's profile.
  if (openid !== openidOfGrant(grant)) return refuse(40003)
  return { ok: true, grant }
}

/**
 * `/sns/userinfo`. `lang` (zh_CN | zh_TW | en) is accepted and otherwise ignored: it only ever
 * translated the region fields, which are empty since 2021-10-20; unknown values are ignored too.
 */
export function userinfoBody(
  state: MockState,
  apps: readonly MockApp[],
  query: URLSearchParams,
  mockBase: string,
): WechatBody {
  const check = checkGrant(state, query)
  if (!check.ok) return check.error
  const { grant } = check
  const app = apps.find((candidate) => candidate.appid === grant.appid)
  const user = findUser(grant.userId)
  if (!app || !user) return wechatError(-1)
  // The profile needs the consent scope; a snapshot visit never consented, whatever its scope.
  if (grant.scope === 'snsapi_base' || grant.snapshot) return wechatError(48001)
  const avatar = avatarPath(user, '132')
  const body: WechatBody = {
    openid: openidOfGrant(grant),
    nickname: user.nickname,
    // Since 2021-10-20 WeChat answers 0 and empty region fields for everyone.
    sex: 0,
    province: '',
    city: '',
    country: '',
    headimgurl: avatar === undefined ? '' : mockBase + avatar,
    privilege: [],
  }
  const unionid = unionidOfGrant(state, app, grant)
  if (unionid !== undefined) body.unionid = unionid
  return body
}
