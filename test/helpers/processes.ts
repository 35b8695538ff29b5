/**
 * Child processes the tests start (redis-server, the mock WeChat, built servers): never left behind,
 * and awaited until they serve.
 */
import type { ChildProcess } from 'node:child_process'

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL')
})

/** `child`, killed when the test process exits while it still runs. */
export function killedOnExit<T extends ChildProcess>(child: T): T {
  alive.add(child)
  child.once('exit', () => alive.delete(child))
  return child
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Polls the proxy's /healthz at `origin` (its server in a child process) every 100 ms: true once it
 * answers OK; false after `attempts` tries, or as soon as `child`, when given, has exited.
 */
export async function healthy(
  origin: string,
  attempts: number,
  child?: ChildProcess,
): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (child !== undefined && child.exitCode !== null) return false
    const ok = await fetch(`${origin}/api/wechat/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}
