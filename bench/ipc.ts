import type { ChildProcess } from 'node:child_process'

/** Messages between the load script and the servers it forks (bench/*-server.ts). */

export interface ListeningMessage {
  type: 'listening'
  port: number
}

export interface MemorySample {
  /** Epoch milliseconds. */
  at: number
  rss: number
  heapUsed: number
  heapTotal: number
}

export interface MemoryMessage extends MemorySample {
  type: 'memory'
  /** Set on the sample that answers a `gc` request. */
  afterGc?: boolean
}

export type ServerMessage = ListeningMessage | MemoryMessage

/** Parent -> proxy server: collect garbage, then answer with one `memory` message marked `afterGc`. */
export interface GcRequest {
  type: 'gc'
}

/** How often the proxy server reports its memory. */
export const SAMPLE_EVERY_MS = 250

/**
 * Collects the memory samples a forked proxy server reports, and asks it for one after a full GC.
 */
export function watchMemory(child: ChildProcess): {
  samples: MemorySample[]
  sampleAfterGc: () => Promise<MemorySample>
} {
  const samples: MemorySample[] = []
  let gcWaiter: ((sample: MemorySample) => void) | undefined
  child.on('message', (message: ServerMessage) => {
    if (message.type !== 'memory') return
    if (message.afterGc) gcWaiter?.(message)
    else samples.push(message)
  })
  const sampleAfterGc = () =>
    new Promise<MemorySample>((resolve) => {
      gcWaiter = resolve
      const gc: GcRequest = { type: 'gc' }
      child.send(gc)
    })
  return { samples, sampleAfterGc }
}
