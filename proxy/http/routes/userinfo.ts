import type { Router } from 'express'
import { ProxyError } from '../../errors.js'
import type { WechatLang, WechatProfile } from '../../../client/wire.js'
import { authenticate } from './context.js'
import type { RouteContext } from './context.js'
import type { SessionClaims } from '../../login/session.js'

const LANGS: readonly WechatLang[] = ['zh_CN', 'zh_TW', 'en']

/** `?lang=` of /userinfo: one of WeChat's three, `zh_CN` when absent; nothing else is sent upstream. */
export function parseLang(value: unknown): WechatLang {
  if (value === undefined) return 'zh_CN'
  const lang = LANGS.find((candidate) => candidate === value)
  if (!lang) throw new ProxyError('invalid_request', `lang must be one of ${LANGS.join(', ')}`)
  return lang
}

/**
 * `GET /userinfo`: the profile, fetched with the stored tokens; never a token in the answer. The
 * session's profile in a language is reused for WECHAT_CACHE_SECONDS; a call that would reach WeChat
 * counts against the per-client and per-session limits first.
 */
export function mountUserinfoRoute(router: Router, ctx: RouteContext): void {
  router.get('/userinfo', async (req, res) => {
    const claims = await authenticate(req, ctx)
    const lang = parseLang(req.query.lang)
    const body = await ctx.answers.through(claims, `userinfo:${lang}`, async () => {
      await ctx.limitWechatCall(req, res, claims)
      return profileOf(ctx, claims, lang)
    })
    ctx.respond.json(res, 200, body)
  })
}

/** The session's profile from WeChat, with the stored tokens. */
async function profileOf(
  ctx: RouteContext,
  claims: SessionClaims,
  lang: WechatLang,
): Promise<WechatProfile> {
  const profile = await ctx.custody.withAccessToken(
    claims.app,
    claims.openid,
    (tokens) => ctx.wechat.userinfo(tokens.accessToken, claims.openid, lang),
    { needsUserinfoScope: true },
  )
  // The profile must be the session's own user; anything else would show one user another's data.
  if (profile.openid !== claims.openid) {
    throw new ProxyError('upstream_error', 'WeChat answered the profile of another user')
  }
  // The fields are listed one by one: whatever else a body might carry never reaches the browser.
  return {
    openid: profile.openid,
    nickname: profile.nickname,
    headimgurl: profile.headimgurl,
    sex: profile.sex,
    province: profile.province,
    city: profile.city,
    country: profile.country,
    privilege: profile.privilege,
    ...(profile.unionid !== undefined ? { unionid: profile.unionid } : {}),
  }
}
