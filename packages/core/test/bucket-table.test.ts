import { describe, expect, it } from 'vitest'
import { BucketTable } from '../src/limit/bucket-table.js'
import { resolveLimit } from '../src/limit/limit-options.js'
import { MemoryStore } from '../src/limit/memory-store.js'
import { DEFAULTS } from '../src/options.js'
import { startWorker } from './fixtures/run-worker.js'

function store(limit: object, maxKeys: number, buffer = BucketTable.allocate(maxKeys)) {
  const resolved = resolveLimit({ ...limit, maxKeys }, DEFAULTS.limit)!
  return new MemoryStore(resolved.policies, buffer)
}

function grants(s: MemoryStore, key: string, policy = 0, tries = 100): number {
  let n = 0
  for (let i = 0; i < tries; i++) if (s.acquire(policy, key, 1, 0).granted) n++
  return n
}

describe('BucketTable', () => {
  it('sizes itself at twice maxKeys slots, a power of two, 64 bytes each', () => {
    const buffer = BucketTable.allocate(10_000)
    expect(buffer.byteLength).toBe(64 + 32_768 * 64)
    expect(BucketTable.attach(buffer, []).slots).toBe(32_768)
  })

  it('refuses a buffer it did not make', () => {
    expect(() => BucketTable.attach(new SharedArrayBuffer(100), [])).toThrow(
      'buffer must be a SharedArrayBuffer from BucketTable.allocate()',
    )
  })

  it('keeps one bucket per key: 10,000 keys, each with its own burst', () => {
    const s = store({ rpm: 1, burst: 2 }, 16_384)
    for (let i = 0; i < 10_000; i++) expect(grants(s, `user-${i}`, 0, 3)).toBe(2)
    expect(s.stats()).toEqual({ keys: 10_000, evictedActive: 0 })
    for (let i = 0; i < 10_000; i += 997) expect(grants(s, `user-${i}`, 0, 3)).toBe(0)
  })

  it('keeps a key apart under each policy (override)', () => {
    const s = store({ rpm: 1, burst: 2, overrides: [{ model: 'gpt-4o*', burst: 3 }] }, 64)
    expect(grants(s, 'alice', 0)).toBe(2)
    expect(grants(s, 'alice', 1)).toBe(3)
    expect(s.stats().keys).toBe(2)
  })

  it('when full, gives a new key the slot of a refilled key first, then of the key nearest to full', async () => {
    const s = store({ rpm: 600, burst: 1_000 }, 3) // one token every 100 ms
    expect(grants(s, 'a', 0, 1)).toBe(1) // 'a' is 1 token short: full again after 100 ms
    expect(grants(s, 'b', 0, 1_000)).toBe(1_000)
    expect(grants(s, 'c', 0, 1_000)).toBe(1_000)
    await new Promise((resolve) => setTimeout(resolve, 150)) // 'a' refills; 'b' and 'c' stay 999 short
    expect(grants(s, 'd', 0, 1)).toBe(1)
    expect(s.table.stats()).toEqual({ keys: 3, evicted: 1, evictedActive: 0 })
    expect(grants(s, 'e', 0, 1)).toBe(1) // 'b', 'c' and 'd' are all short: 'd' (by 1) is nearest to full
    expect(s.table.stats()).toEqual({ keys: 3, evicted: 1, evictedActive: 1 })
    expect(grants(s, 'b', 0, 1)).toBe(1) // 'b' is still there (one token refilled): found, not inserted
    expect(s.table.stats()).toEqual({ keys: 3, evicted: 1, evictedActive: 1 })
  })

  it('is shared by worker_threads: 4 workers racing over 200 new keys take each burst once', async () => {
    const limit = { rpm: 1, burst: 5 }
    const buffer = BucketTable.allocate(1_024)
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`)
    const control = new SharedArrayBuffer(8)
    const flags = new Int32Array(control)
    const workers = Array.from({ length: 4 }, () =>
      startWorker('./table-worker.ts', { buffer, limit, keys, rounds: 4, control }),
    )
    while (Atomics.load(flags, 1) < 4) await new Promise((resolve) => setTimeout(resolve, 5))
    Atomics.store(flags, 0, 1)
    Atomics.notify(flags, 0)
    const results = (await Promise.all(workers.map((w) => w.result))) as number[][]
    await Promise.all(workers.map((w) => w.worker.terminate()))
    const perKey = keys.map((_, i) => results.reduce((sum, r) => sum + r[i]!, 0))
    expect(perKey).toEqual(keys.map(() => 5)) // 16 requests per key, 5 granted: no key inserted twice
    const s = store(limit, 1_024, buffer)
    expect(s.stats().keys).toBe(200)
    expect(grants(s, 'key-0')).toBe(0)
  })
})
