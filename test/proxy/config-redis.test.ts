import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../proxy/config.js'
import { configProblems } from '../helpers/config.js'

describe('the Redis settings', () => {
  it('reads one server from REDIS_URL, with REDIS_PASSWORD', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_PASSWORD: 'pw' })
    expect(config.redis).toEqual({ kind: 'redis', url: 'rediss://cache:6380', password: 'pw' })
    expect(config.redisUrl).toBe('rediss://cache:6380')
  })

  it('reads the seeds of a cluster from REDIS_CLUSTER_NODES', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001 ,[::1]:7002,c' })
    expect(config.redis).toEqual({
      kind: 'redis-cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'c', port: 6379 },
      ],
      tls: false,
    })
    expect(config.redisUrl).toBeUndefined()
  })

  it('turns TLS on for a cluster whose seeds are rediss:// and takes REDIS_PASSWORD', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: 'rediss://a:7000,rediss://b:7001',
      REDIS_PASSWORD: 'pw',
    })
    expect(config.redis).toMatchObject({ kind: 'redis-cluster', tls: true, password: 'pw' })
  })

  it('reads sentinels and the name of their master', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379,s2', REDIS_SENTINEL_NAME: 'mymaster' })
    expect(config.redis).toEqual({
      kind: 'redis-sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      tls: false,
    })
  })

  it('refuses two kinds of Redis at once, naming both', () => {
    expect(configProblems({ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'b:7000' })).toEqual([
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
    ])
    expect(
      configProblems({
        REDIS_CLUSTER_NODES: 'b:7000',
        REDIS_SENTINELS: 's:26379',
        REDIS_SENTINEL_NAME: 'm',
      }),
    ).toEqual(['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'])
  })

  it('refuses sentinels without a master name, and a master name without sentinels', () => {
    expect(configProblems({ REDIS_SENTINELS: 's:26379' })).toEqual(['REDIS_SENTINEL_NAME'])
    expect(configProblems({ REDIS_SENTINEL_NAME: 'm' })).toEqual(['REDIS_SENTINEL_NAME'])
  })

  it.each([
    'a:7000,http://b:7001',
    'redis://:secret@a:7000',
    'a:7000/0',
    'a:notaport',
    ' , ',
    'redis://a:7000,rediss://b:7001',
  ])('refuses the node list %j', (nodes) => {
    expect(configProblems({ REDIS_CLUSTER_NODES: nodes })).toEqual(['REDIS_CLUSTER_NODES'])
  })

  it('refuses a password given twice, and one without a Redis', () => {
    expect(configProblems({ REDIS_URL: 'redis://:a@cache', REDIS_PASSWORD: 'b' })).toEqual([
      'REDIS_PASSWORD',
    ])
    expect(configProblems({ REDIS_PASSWORD: 'b' })).toEqual(['REDIS_PASSWORD'])
  })

  it('never puts a password in its messages', () => {
    try {
      loadConfig({ REDIS_CLUSTER_NODES: 'redis://:hunter2@a:7000', REDIS_PASSWORD: 'hunter3' })
    } catch (error) {
      expect(String(error)).not.toMatch(/hunter/)
      return
    }
    throw new Error('expected a ConfigError')
  })
})
