/**
 * A hold the test releases, so that it acts while something is in flight by knowing it is, not by
 * racing a timer. The code under test waits at `pass()`; the test learns that through `reached`.
 *
 *   const gate = createGate()
 *   const fake = async () => { await gate.pass(); return answer }   // a stub that waits there
 *   const done = start()                          // ... which ends up calling the stub
 *   await gate.reached                            // in flight now
 *   ...                                           // act meanwhile
 *   gate.open()
 *   await done
 */
export interface Gate {
  /** Resolves once something has reached `pass()`, where it waits. */
  reached: Promise<void>
  /** Lets through everything waiting at `pass()` and everything that comes later. */
  open(): void
  /** For the stub: marks an arrival; resolves once the gate is open. */
  pass(): Promise<void>
}

export function createGate(): Gate {
  let arrive = () => {}
  let open = () => {}
  const reached = new Promise<void>((resolve) => (arrive = resolve))
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {
    reached,
    open,
    pass: () => {
      arrive()
      return opened
    },
  }
}
