/** The part of autocannon 8's programmatic API that bench/throughput.ts uses (it ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    /** Called before each send; returns the request to send. */
    setupRequest?: (request: AutocannonRequest) => AutocannonRequest
  }

  export interface AutocannonOptions {
    url: string
    connections?: number
    /** Seconds; ignored when `amount` is set. */
    duration?: number
    /** Stop after this many requests. */
    amount?: number
    /** Seconds before a request counts as timed out. */
    timeout?: number
    requests?: AutocannonRequest[]
  }

  export interface AutocannonResult {
    errors: number
    timeouts: number
    non2xx: number
    duration: number
  }

  export interface AutocannonInstance extends EventEmitter, PromiseLike<AutocannonResult> {
    stop(): void
  }

  export default function autocannon(options: AutocannonOptions): AutocannonInstance
}
