import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { chat, keyOf, limits, useLimitFixture } from './limit-fixture.js'
import { deletePrefix, gatewayProcess, randomPrefix, SHARED_REDIS } from './redis-helpers.js'

const f = useLimitFixture()
const prefixes: string[] = []

function prefix(): string {
  const p = randomPrefix()
  prefixes.push(p)
  return p
}

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(SHARED_REDIS, p)
})

describe('the Redis store', () => {
  it('shares one limit between two gateway processes: exactly the burst of 40 concurrent requests pass', async () => {
    const limit = { rpm: 1, burst: 10, maxWaitMs: 0, store: { redis: SHARED_REDIS, prefix: prefix() } }
    const [a, b] = await Promise.all([
      gatewayProcess(f.mock.url, { limit }),
      gatewayProcess(f.mock.url, { limit }),
    ])
    try {
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => chat(i % 2 === 0 ? a.url : b.url, 'sk-fleet')),
      )
      const statuses = responses.map((r) => r.status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(10)
      expect(statuses.filter((s) => s === 429)).toHaveLength(30)
      for (const r of responses.filter((r) => r.status === 429)) {
        expect(JSON.parse(r.body.toString()).error.code).toBe('VELOX_ERR_RATE_LIMITED')
        expect(limits(r)).toMatchObject({
          'x-ratelimit-limit-requests': '10',
          'x-ratelimit-remaining-requests': '0',
        })
      }
      // Both processes took part (20 requests each), and the survivors came from both sides of Redis.
      const remaining = responses
        .filter((r) => r.status === 200)
        .map((r) => limits(r)['x-ratelimit-remaining-requests'])
      expect(remaining.map(Number).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  it('writes only hashed keys to Redis, never the API key', async () => {
    const p = prefix()
    const { url } = await f.app({ rpm: 60, burst: 5, store: { redis: SHARED_REDIS, prefix: p } })
    const secret = 'sk-proj-redis-secret-987654321'
    expect((await chat(url, secret)).status).toBe(200)
    const client = new Redis(SHARED_REDIS)
    try {
      const keys = await client.keys(`${p}*`)
      expect(keys).toEqual([`${p}{${keyOf(secret)}}:0`])
      const hash = await client.hgetall(keys[0]!)
      expect(Object.keys(hash).sort()).toEqual(['rs', 'rt', 'ts', 'tt'])
      expect(hash.rt).toBe('4')
      expect(JSON.stringify(hash)).not.toContain(secret)
      const ttl = await client.pttl(keys[0]!)
      expect(ttl).toBeGreaterThan(1_000) // refilling 1 of 5 at 60 rpm: 1 s, plus a second's margin
      expect(ttl).toBeLessThanOrEqual(2_000)
    } finally {
      client.disconnect()
    }
  })

  it('reserves tokens and settles them from the usage, as the in-process store does', async () => {
    const p = prefix()
    const { url } = await f.app({
      rpm: 600,
      burst: 100,
      tpm: 1, // a token a minute: exact numbers within the test
      tokenBurst: 1_000,
      maxWaitMs: 0,
      store: { redis: SHARED_REDIS, prefix: p },
    })
    const body = { max_tokens: 100 }
    const json = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    })
    const reserved = 100 + Math.ceil(json.length / 4)
    const first = await chat(url, 'sk-tok', body)
    expect(limits(first)).toMatchObject({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': String(1_000 - reserved),
    })
    const used = JSON.parse(first.body.toString()).usage.total_tokens
    // The settlement is a call of its own, after the response: wait for it to land in Redis.
    const client = new Redis(SHARED_REDIS)
    try {
      await vi.waitFor(async () =>
        expect(await client.hget(`${p}{${keyOf('sk-tok')}}:0`, 'tt')).toBe(String(1_000 - used)),
      )
    } finally {
      client.disconnect()
    }
    const second = await chat(url, 'sk-tok', body)
    expect(limits(second)['x-ratelimit-remaining-tokens']).toBe(String(1_000 - used - reserved))
  })

  it('loads ioredis only for a gateway whose store is Redis', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/ioredis-loaded.ts', import.meta.url))],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { ...process.env, VELOX_TEST_REDIS: SHARED_REDIS, VELOX_TEST_PREFIX: prefix() },
        encoding: 'utf8',
      },
    )
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual({ withoutRedis: false, withRedis: true })
  })
})
