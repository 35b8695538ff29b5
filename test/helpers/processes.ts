/** Child processes the test helpers start (redis-server, the mock WeChat): never left behind. */
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
