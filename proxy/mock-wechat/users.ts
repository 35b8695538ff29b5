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

/** A simple round avatar with the first character of the nickname. */
export function avatarSvg(user: TestUser): string {
  const initial = Array.from(user.nickname)[0] ?? '?'
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">' +
    `<rect width="132" height="132" rx="12" fill="${user.color ?? '#cccccc'}"/>` +
    '<text x="66" y="86" font-size="60" text-anchor="middle" fill="#ffffff" ' +
    `font-family="PingFang SC, Microsoft YaHei, sans-serif">${initial}</text></svg>`
  )
}
