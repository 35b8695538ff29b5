/**
 * Loopback plumbing shared by the test helpers and suites: a free port (and a child process started on
 * one), and an app listening on 127.0.0.1 with a close that also ends kept-alive connections.
 */
import type { Server } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A port nothing listens on right now (the OS's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * `start(port)` on a free port, tried three times: the port can be taken by someone else before the
 * child process that `start` launches binds it. `start` must leave nothing running when it rejects.
 */
export async function onFreePort<T>(
  start: (port: number) => Promise<T>,
): Promise<{ port: number; started: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      return { port, started: await start(port) }
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }
}

export interface Listening {
  /** `http://127.0.0.1:PORT` (`http://[::1]:PORT` on IPv6) */
  origin: string
  /** Stops listening and drops open connections; resolves once the server is closed. */
  close(): Promise<void>
}

/** Anything with Express's `listen` (an Express app, a node:http server). */
interface Listenable {
  listen(port: number, host: string, done: (error?: Error) => void): Server
}

/** `app` on a free port of the loopback, IPv4 unless `host` says otherwise. */
export async function listenOnLoopback(
  app: Listenable,
  host: '127.0.0.1' | '::1' = '127.0.0.1',
): Promise<Listening> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
