/**
 * Short calls against a proxy on a loopback port (any object with its `baseUrl`), for the proxy suites.
 *
 *   const reply = await call(proxy, 'POST', '/openid', { body: { code, verifier } })
 *   errorCode(reply)                             // 'code_used', ...
 */

export interface Reply {
  status: number
  text: string
  headers: Headers
  json: unknown
  /** How long the answer took, ms. */
  ms: number
}

/** One request, answered within `timeoutMs` or rejected. */
export async function call(
  proxy: { baseUrl: string },
  method: 'GET' | 'POST',
  path: string,
  options: { session?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (options.session !== undefined) headers.authorization = `Bearer ${options.session}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const started = Date.now()
  const response = await fetch(`${proxy.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  })
  const text = await response.text()
  return {
    status: response.status,
    text,
    headers: response.headers,
    json: text ? (JSON.parse(text) as unknown) : undefined,
    ms: Date.now() - started,
  }
}

export function errorCode(reply: Reply): string | undefined {
  return (reply.json as { error?: { code?: string } } | undefined)?.error?.code
}
