import { read } from './config-env.js'
import type { Env } from './config-env.js'

/** One `host:port` of a cluster seed or a sentinel. */
export interface RedisNode {
  host: string
  port: number
}

/**
 * Which Redis the store lives in: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES) or a
 * master watched by sentinels (REDIS_SENTINELS + REDIS_SENTINEL_NAME). `password` (REDIS_PASSWORD)
 * and `tls` (`rediss://`) apply to every Redis server the client talks to.
 */
export type RedisTarget =
  | { kind: 'redis'; url: string; password?: string }
  | { kind: 'redis-cluster'; nodes: RedisNode[]; tls: boolean; password?: string }
  | {
      kind: 'redis-sentinel'
      sentinels: RedisNode[]
      name: string
      tls: boolean
      password?: string
    }

const DEFAULT_PORTS = { cluster: 6379, sentinel: 26379 }

/**
 * A comma-separated list of `host:port` (each may start with `redis://`, or `rediss://` for TLS: all
 * alike). Undefined with a problem noted when any item is not one.
 */
function nodeList(
  name: string,
  raw: string,
  defaultPort: number,
  problem: (variable: string, text: string) => void,
): { nodes: RedisNode[]; tls: boolean } | undefined {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  const nodes: RedisNode[] = []
  const schemes = new Set<string>()
  for (const item of items) {
    const scheme = /^(rediss?):\/\//.exec(item)?.[1] ?? 'redis'
    schemes.add(scheme)
    let url: URL | undefined
    try {
      url = new URL(item.includes('://') ? item : `redis://${item}`)
    } catch {
      url = undefined
    }
    if (url === undefined || !isPlainNode(url)) {
      // The password goes in REDIS_PASSWORD: a list of seeds is not the place for secrets.
      problem(
        name,
        'must be comma-separated host:port (redis:// or rediss:// allowed, no password)',
      )
      return undefined
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    nodes.push({ host, port: url.port ? Number(url.port) : defaultPort })
  }
  if (nodes.length === 0) {
    problem(name, 'must name at least one host:port')
    return undefined
  }
  if (schemes.size > 1) {
    problem(name, 'must use one scheme for every node (all rediss:// for TLS, or none)')
    return undefined
  }
  return { nodes, tls: schemes.has('rediss') }
}

/** The Redis the environment names, if any; every conflict noted as a problem. */
export function readRedisTarget(
  env: Env,
  problem: (variable: string, text: string) => void,
): RedisTarget | undefined {
  const url = read(env, 'REDIS_URL')
  const clusterNodes = read(env, 'REDIS_CLUSTER_NODES')
  const sentinels = read(env, 'REDIS_SENTINELS')
  const sentinelName = read(env, 'REDIS_SENTINEL_NAME')
  const password = read(env, 'REDIS_PASSWORD')

  const given = [
    url && 'REDIS_URL',
    clusterNodes && 'REDIS_CLUSTER_NODES',
    sentinels && 'REDIS_SENTINELS',
  ].filter((name): name is string => Boolean(name))
  if (given.length > 1) {
    // Two would be two stores: instances reading one and writing the other stop sharing.
    for (const name of given) problem(name, `set only one of ${given.join(', ')}`)
    return undefined
  }
  if (sentinelName !== undefined && sentinels === undefined) {
    problem('REDIS_SENTINEL_NAME', 'is only used with REDIS_SENTINELS')
  }
  if (password !== undefined && given.length === 0) {
    problem('REDIS_PASSWORD', 'needs REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS')
  }
  const withPassword = password === undefined ? {} : { password }

  if (url !== undefined) {
    if (!/^rediss?:\/\/\S+$/.test(url)) {
      problem('REDIS_URL', 'must be a redis:// or rediss:// URL')
      return undefined
    }
    if (password !== undefined && passwordIn(url)) {
      problem('REDIS_PASSWORD', 'conflicts with the password in REDIS_URL: give it once')
      return undefined
    }
    return { kind: 'redis', url, ...withPassword }
  }
  if (clusterNodes !== undefined) {
    const parsed = nodeList('REDIS_CLUSTER_NODES', clusterNodes, DEFAULT_PORTS.cluster, problem)
    return parsed && { kind: 'redis-cluster', ...parsed, ...withPassword }
  }
  if (sentinels !== undefined) {
    const parsed = nodeList('REDIS_SENTINELS', sentinels, DEFAULT_PORTS.sentinel, problem)
    if (sentinelName === undefined) {
      problem('REDIS_SENTINEL_NAME', "must name the sentinels' master (e.g. mymaster)")
      return undefined
    }
    if (!parsed) return undefined
    return {
      kind: 'redis-sentinel',
      sentinels: parsed.nodes,
      name: sentinelName,
      tls: parsed.tls,
      ...withPassword,
    }
  }
  return undefined
}

/** A host and maybe a port: no credentials, path, query or fragment. */
function isPlainNode(url: URL): boolean {
  return (
    url.hostname !== '' &&
    (url.protocol === 'redis:' || url.protocol === 'rediss:') &&
    url.username === '' &&
    url.password === '' &&
    (url.pathname === '' || url.pathname === '/') &&
    url.search === '' &&
    url.hash === ''
  )
}

function passwordIn(url: string): boolean {
  try {
    return new URL(url).password !== ''
  } catch {
    return false
  }
}
