import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../proxy/config.js'
import { errorFromErrcode } from '../../proxy/wechat/errcodes.js'
import { ProxyError } from '../../proxy/errors.js'
import { createLogger } from '../../proxy/logger.js'
import { createMemoryStore } from '../../proxy/store/index.js'
import { createTokenCustody } from '../../proxy/login/tokens.js'
import type { WechatApi } from '../../proxy/wechat/api.js'

const NOW = Date.UTC(2025, 0, 1)

/** A WeChat that refreshes happily but refuses every access token with `errcode`. */
function refusingWechat(errcode: number): { wechat: WechatApi; refreshes: () => number } {
  let refreshes = 0
  const unused = async () => {
    throw new Error('not used')
  }
  const wechat: WechatApi = {
    exchangeCode: unused,
    stableToken: unused,
    classicToken: unused,
    jsapiTicket: unused,
    refreshToken: async () => {
      refreshes += 1
      return {
        access_token: `at-${refreshes}`,
        expires_in: 7200,
        refresh_token: 'rt',
        openid: 'o1',
        scope: 'snsapi_userinfo',
      }
    },
    userinfo: async () => {
      throw errorFromErrcode(errcode)
    },
    checkToken: async () => {
      throw errorFromErrcode(errcode)
    },
  }
  return { wechat, refreshes: () => refreshes }
}

async function custodyWith(wechat: WechatApi) {
  const store = createMemoryStore({ now: () => NOW })
  await store.saveTokens(
    'mp',
    'o1',
    {
      accessToken: 'at-0',
      refreshToken: 'rt',
      scope: 'snsapi_userinfo',
      accessExpiresAt: NOW + 7200_000,
      refreshExpiresAt: NOW + 30 * 86400_000,
    },
    3600,
  )
  const config = loadConfig({ WECHAT_MOCK: '1' })
  const logger = createLogger({ logLevel: 'silent' })
  return { store, custody: createTokenCustody({ config, store, wechat, logger, now: () => NOW }) }
}

describe('token custody when WeChat keeps refusing the access token', () => {
  it.each([42001, 40001, 40014])(
    'refreshes once, retries once, then answers reauth_required for %i and forgets the tokens',
    async (errcode) => {
      const { wechat, refreshes } = refusingWechat(errcode)
      const { store, custody } = await custodyWith(wechat)
      let calls = 0
      const outcome = await custody
        .withAccessToken('mp', 'o1', (tokens) => {
          calls += 1
          return wechat.userinfo(tokens.accessToken, 'o1', 'zh_CN')
        })
        .catch((error: unknown) => error)
      expect(outcome).toBeInstanceOf(ProxyError)
      expect(outcome).toMatchObject({ code: 'reauth_required', errcode })
      expect({ refreshes: refreshes(), calls }).toEqual({ refreshes: 1, calls: 2 })
      expect(await store.getTokens('mp', 'o1')).toBeUndefined()
    },
  )

  it('does not refresh for an error that is not about the token', async () => {
    const { wechat, refreshes } = refusingWechat(-1)
    const { custody } = await custodyWith(wechat)
    const outcome = await custody
      .withAccessToken('mp', 'o1', (tokens) => wechat.checkToken(tokens.accessToken, 'o1'))
      .catch((error: unknown) => error)
    expect(outcome).toMatchObject({ code: 'upstream_unavailable' })
    expect(refreshes()).toBe(0)
  })
})
