import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Logger } from '../src/index.js'
import { LIMIT_SCRIPT } from '../src/limit/redis-script.js'
import { chat, limits, useLimitFixture } from './limit-fixture.js'
import { PrivateRedis, randomPrefix } from './redis-helpers.js'

const f = useLimitFixture()
const redis = new PrivateRedis()

beforeAll(() => redis.start())
afterAll(() => redis.stop())

function spyLogger(): Logger & { calls: Array<[string, string | undefined]> } {
  const calls: Array<[string, string | undefined]> = []
  const log = (level: string) => (_obj: unknown, msg?: string) => calls.push([level, msg])
  return { calls, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

describe('the Redis store when Redis goes away', () => {
  it('fails open while Redis is down (logged once), and enforces the limit again once it is back', async () => {
    const logger = spyLogger()
    const { gateway, url } = await f.app(
      { rpm: 1, burst: 2, maxWaitMs: 0, store: { redis: redis.url, prefix: randomPrefix() } },
      { logger },
    )
    expect((await chat(url, 'sk-out')).status).toBe(200)
    expect((await chat(url, 'sk-out')).status).toBe(200)
    expect((await chat(url, 'sk-out')).status).toBe(429)

    await redis.stop()
    const during = await Promise.all([chat(url, 'sk-out'), chat(url, 'sk-out'), chat(url, 'sk-out')])
    expect(during.map((r) => r.status)).toEqual([200, 200, 200])
    expect(limits(during[0]!)).toEqual({}) // unchecked: nothing to say about the limit
    expect(gateway.stats().limit).toMatchObject({ failedOpen: 3, admitted: 5, rejected: { rateLimited: 1 } })
    expect(gateway.stats().limit!.storeErrors).toBe(3)
    expect(logger.calls).toEqual([
      ['error', 'velox: the rate-limit store is unreachable; admitting requests unchecked until it is back'],
    ])

    await redis.start() // same port, empty (no persistence): the buckets start full
    await vi.waitFor(
      async () => expect(limits(await chat(url, 'sk-out'))['x-ratelimit-remaining-requests']).toBe('1'),
      { timeout: 10_000, interval: 100 },
    )
    expect((await chat(url, 'sk-out')).status).toBe(200)
    const limited = await chat(url, 'sk-out')
    expect(limited.status).toBe(429)
    expect(logger.calls.at(-1)).toEqual([
      'info',
      'velox: the rate-limit store is reachable again; limits apply',
    ])
    expect(logger.calls.filter(([level]) => level === 'error')).toHaveLength(1)
  })

  it('answers 503 VELOX_ERR_LIMITER_UNAVAILABLE while Redis is down with failClosed', async () => {
    const { gateway, url } = await f.app({
      rpm: 60,
      burst: 5,
      failClosed: true,
      store: { redis: redis.url, prefix: randomPrefix() },
    })
    expect((await chat(url, 'sk-closed')).status).toBe(200)
    await redis.stop()
    const before = f.mock.received.length
    const res = await chat(url, 'sk-closed')
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(JSON.parse(res.body.toString())).toEqual({
      error: {
        message: 'The rate limiter is unavailable',
        type: 'server_error',
        param: null,
        code: 'VELOX_ERR_LIMITER_UNAVAILABLE',
      },
    })
    expect(f.mock.received.length).toBe(before)
    expect(gateway.stats().limit!.rejected.unavailable).toBe(1)
    await redis.start()
    await vi.waitFor(async () => expect((await chat(url, 'sk-closed')).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    })
  })

  it('reloads its script with EVAL when the server answers NOSCRIPT, then uses EVALSHA again', async () => {
    const { url } = await f.app({ rpm: 60, burst: 5, store: { redis: redis.url, prefix: randomPrefix() } })
    expect((await chat(url, 'sk-script')).status).toBe(200)
    const admin = new Redis(redis.url)
    const sha = createHash('sha1').update(LIMIT_SCRIPT).digest('hex')
    const evalCalls = async () =>
      Number(/cmdstat_eval:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)
    try {
      expect(await admin.script('EXISTS', sha)).toEqual([1])
      await admin.script('FLUSH')
      await admin.config('RESETSTAT')
      const res = await chat(url, 'sk-script')
      expect(res.status).toBe(200)
      expect(limits(res)['x-ratelimit-remaining-requests']).toBe('3')
      expect(await evalCalls()).toBe(1)
      expect(await admin.script('EXISTS', sha)).toEqual([1])
      expect(limits(await chat(url, 'sk-script'))['x-ratelimit-remaining-requests']).toBe('2')
      expect(await evalCalls()).toBe(1) // EVALSHA found it
    } finally {
      admin.disconnect()
    }
  })
})
