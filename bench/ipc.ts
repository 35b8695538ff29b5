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
