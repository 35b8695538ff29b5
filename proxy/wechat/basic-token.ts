import type { WechatAppCredentials, WechatTokenMode } from '../config.js'
import { ProxyError } from '../errors.js'
import type { BasicToken, CredentialSettings, WechatApi } from './types.js'

export type { WechatTokenMode } from '../config.js'

/**
 * A team's own source of the basic access_token (e.g. its central token server), used instead of
 * WeChat's token endpoints: given the appid, it resolves to the current token and the seconds it
 * has left. The proxy then never calls `/cgi-bin/token` or `/cgi-bin/stable_token`; when WeChat
 * refuses the token it gave (40001, 40014, 42001), the proxy asks it again.
 */
export type BasicTokenSource = (appid: string) => Promise<BasicToken>

/** Fetches the next basic token; `refused` is the token WeChat refused last, if any. */
export type FetchBasicToken = (refused?: string) => Promise<BasicToken>

export interface BasicTokenOptions {
  app: WechatAppCredentials
  settings: CredentialSettings
  wechat: Pick<WechatApi, 'stableToken' | 'classicToken'>
  mode: WechatTokenMode
  source?: BasicTokenSource
}

/** How the basic token is fetched: from the team's source, or from WeChat in `mode`. */
export function basicTokenFetcher(options: BasicTokenOptions): FetchBasicToken {
  const { app, settings, wechat, mode, source } = options
  if (source) return async () => fromSource(source, app.appid)
  if (mode === 'classic') return () => wechat.classicToken(app, settings)
  return async (refused) => {
    const token = await wechat.stableToken(app, false, settings)
    // WeChat still hands out the token it refused: only a forced refresh replaces it (about 20
    // a day, docs/wechat.md#basic-access-token), so it is asked for only then.
    if (refused === undefined || token.accessToken !== refused) return token
    return wechat.stableToken(app, true, settings)
  }
}

/** The source's answer, checked like WeChat's: a token, and a lifetime in whole seconds. */
async function fromSource(source: BasicTokenSource, appid: string): Promise<BasicToken> {
  let answer: unknown
  try {
    answer = await source(appid)
  } catch (error) {
    if (error instanceof ProxyError) throw error
    throw new ProxyError('upstream_unavailable', 'The basic token source failed', {
      cause: error,
    })
  }
  const { accessToken, expiresIn } = (answer ?? {}) as Partial<BasicToken>
  if (
    typeof accessToken !== 'string' ||
    accessToken.length === 0 ||
    typeof expiresIn !== 'number' ||
    !(expiresIn > 0)
  ) {
    throw new ProxyError('upstream_error', 'The basic token source answered an unexpected shape')
  }
  return { accessToken, expiresIn }
}
