import type { ErrorRequestHandler } from 'express'
import type { Logger } from 'pino'
import { ProxyError } from '../errors.js'
import type { Responder } from './respond.js'

/** body-parser's failures, by their documented `type`. */
function bodyParserError(error: unknown): ProxyError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined
  switch (error.type) {
    case 'entity.too.large': {
      // The limit of the route's parser, in bytes.
      const { limit } = error as { limit?: unknown }
      const most = typeof limit === 'number' ? ` at most ${limit} bytes` : ' smaller'
      return new ProxyError('invalid_request', `The body must be${most}`, { status: 413 })
    }
    case 'entity.parse.failed':
      return new ProxyError('invalid_request', 'The body is not valid JSON')
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProxyError('invalid_request', 'The body must be UTF-8 JSON', { status: 415 })
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new ProxyError('invalid_request', 'The body could not be read')
    default:
      return undefined
  }
}

/** The one error middleware: `{"error": {...}}` with the code's status, never a stack trace. */
export function errorHandler(logger: Logger, respond: Responder): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error)
      return
    }
    const known = error instanceof ProxyError ? error : bodyParserError(error)
    if (known) {
      if (known.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer')
      // A setup fault is the operator's to fix: the log says what the answer may not (the address to
      // whitelist).
      if (known.logDetail) {
        logger.error(
          { route: req.path, outcome: known.code, errcode: known.errcode, ...known.logDetail },
          known.message,
        )
      }
      respond.json(res, known.status, known.toJSON())
      return
    }
    // Unknown failures are logged for the operator; the client gets no detail, never a stack.
    logger.error({ err: error, route: req.path }, 'unexpected error')
    const internal = new ProxyError('internal_error', 'Something went wrong in the proxy')
    respond.json(res, internal.status, internal.toJSON())
  }
}
