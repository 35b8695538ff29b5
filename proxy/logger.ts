import pino from 'pino'
import type { DestinationStream, Logger } from 'pino'
import type { ProxyConfig } from './config.js'

const SECRET_KEYS = [
  'code',
  'secret',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'session',
  'token',
  'ticket',
  'jsapi_ticket',
  'signature',
  'verifier',
  'authorization',
]

/**
 * The proxy's one structured logger. Codes, tokens, tickets, secrets and sessions are redacted wherever they
 * appear at the top level or one level down (e.g. `req.headers.authorization`), as a net under the
 * rule that the proxy never passes them to the logger in the first place.
 */
export function createLogger(
  config: Pick<ProxyConfig, 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const paths = [
    ...SECRET_KEYS,
    ...SECRET_KEYS.map((key) => `*.${key}`),
    'req.headers.authorization',
    'req.headers.cookie',
    'headers.authorization',
    'headers.cookie',
  ]
  const options = {
    name: 'wechat-h5-auth',
    level: config.logLevel,
    redact: { paths, censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
