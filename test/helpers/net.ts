/**
 * Loopback plumbing shared by the test helpers and suites: a free port, and an app listening on
 * 127.0.0.1 with a close that also ends kept-alive connections.
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

export interface Listening {
  server: Server
  port: number
  /** `http://127.0.0.1:PORT` */
  origin: string
  /** Stops listening and drops open connections; resolves once the server is closed. */
  close(): Promise<void>
}

/** Anything with Express's `listen` (an Express app). */
interface Listenable {
  listen(port: number, host: string, done: (error?: Error) => void): Server
}

/** `app` on a free port of 127.0.0.1. */
export async function listenOnLoopback(app: Listenable): Promise<Listening> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
