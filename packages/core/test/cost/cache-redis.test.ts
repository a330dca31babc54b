import { afterAll, describe, expect, it } from 'vitest'
import { RedisCacheStore } from '../../src/cache/redis-cache-store.js'
import { deletePrefix, randomPrefix, SHARED_REDIS } from '../redis-helpers.js'

const prefix = randomPrefix()
const store = new RedisCacheStore({ redis: SHARED_REDIS, prefix, timeoutMs: 5_000, ttlMs: 60_000 })

afterAll(async () => {
  await store.close()
  await deletePrefix(SHARED_REDIS, prefix)
})

describe('RedisCacheStore', () => {
  it('stores, replays the same bytes with the same events, and expires with the ttl', async () => {
    const reply = {
      kind: 'sse' as const,
      contentType: 'text/event-stream',
      body: Buffer.from('data: {"a":"é"}\n\ndata: [DONE]\n\n'),
      eventEnds: [18, 32],
    }
    expect(await store.get('k1')).toBeUndefined()
    store.set('k1', reply)
    // The set is not awaited; a get on the same connection is answered after it.
    expect(await store.get('k1')).toEqual(reply)
    const { Redis } = await import('ioredis')
    const client = new Redis(SHARED_REDIS)
    const ttl = await client.pttl(`${prefix}k1`)
    client.disconnect()
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })

  it('answers a miss when Redis is unreachable', async () => {
    const down = new RedisCacheStore({ redis: 'redis://127.0.0.1:1', prefix, timeoutMs: 200, ttlMs: 1_000 })
    expect(await down.get('k')).toBeUndefined()
    await down.close()
  })
})
