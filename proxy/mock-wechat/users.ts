import { createHmac } from 'node:crypto'

/** A person the mock can sign in as. Nicknames and avatars feed /sns/userinfo. */
export interface TestUser {
  id: string
  nickname: string
  /** Background of the generated avatar; `null` = the user has no avatar (headimgurl ""). */
  color: string | null
}

export const TEST_USERS: readonly TestUser[] = [
  { id: 'zhangxiaoming', nickname: '张小明', color: '#07c160' },
  { id: 'lisisi', nickname: '李思思', color: '#fa5151' },
  { id: 'wangdachui', nickname: '王大锤', color: '#10aeff' },
  { id: 'chenxiaoyu', nickname: '陈小雨', color: null },
]

export function findUser(id: string | undefined): TestUser | undefined {
  return TEST_USERS.find((user) => user.id === id)
}

// Fixed key on purpose: openids must stay the same across restarts so saved sessions and
// test expectations keep working. Nothing secret is derived from it.
const ID_KEY = 'mock-wechat-ids-v1'

function digest(input: string): string {
  return createHmac('sha256', ID_KEY).update(input).digest('base64url')
}

/** 28 chars, `o` + 27 of [A-Za-z0-9_-]: one person has a different openid under every appid. */
export function openidFor(appid: string, userId: string): string {
  return 'o' + digest(`openid:${appid}:${userId}`).slice(0, 27)
}

/** 28 chars, `o6_bm` + 23: the same for one person across every app bound to the open platform. */
export function unionidFor(userId: string): string {
  return 'o6_bm' + digest(`unionid:${userId}`).slice(0, 23)
}

/**
 * A snapshot visit's virtual openid: shaped like a real one, stable per person and appid, never
 * equal to the real openid (a different derivation input), so it cannot be linked to the person.
 */
export function snapshotOpenidFor(appid: string, userId: string): string {
  return 'o' + digest(`snapshot-openid:${appid}:${userId}`).slice(0, 27)
}

/** A snapshot visit's virtual unionid (bound apps): stable per person, never the real one. */
export function snapshotUnionidFor(userId: string): string {
  return 'o6_bm' + digest(`snapshot-unionid:${userId}`).slice(0, 23)
}

/** The sizes WeChat serves an avatar in; `0` means 640x640. */
export const AVATAR_SIZES = ['0', '46', '64', '96', '132'] as const

/** The opaque, stable path segment that names a user's avatar (like WeChat's mmopen ids). */
export function avatarIdFor(userId: string): string {
  return digest(`avatar:${userId}`).slice(0, 40)
}

export function findUserByAvatarId(avatarId: string): TestUser | undefined {
  return TEST_USERS.find((user) => user.color !== null && avatarIdFor(user.id) === avatarId)
}

/** `/mmopen/<id>/<size>` under the mock's base, or undefined when the user has no avatar. */
export function avatarPath(user: TestUser, size: string = '132'): string | undefined {
  return user.color === null ? undefined : `/mmopen/${avatarIdFor(user.id)}/${size}`
}

/** A rounded-square avatar with the first character of the nickname, `size` px (0 = 640). */
export function avatarSvg(user: TestUser, size = 132): string {
  const initial = Array.from(user.nickname)[0] ?? '?'
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 132 132">` +
    `<rect width="132" height="132" rx="12" fill="${user.color ?? '#cccccc'}"/>` +
    '<text x="66" y="86" font-size="60" text-anchor="middle" fill="#ffffff" ' +
    `font-family="PingFang SC, Microsoft YaHei, sans-serif">${initial}</text></svg>`
  )
}

/** WeChat's grey default silhouette, shown on the consent page for a user without an avatar. */
export function defaultAvatarSvg(): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">' +
    '<rect width="132" height="132" rx="12" fill="#d8d8d8"/>' +
    '<circle cx="66" cy="52" r="24" fill="#ffffff"/>' +
    '<path d="M22 118c6-26 24-38 44-38s38 12 44 38z" fill="#ffffff"/></svg>'
  )
}
