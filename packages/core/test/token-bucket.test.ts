import { describe, expect, it } from 'vitest'
import { nowMicros } from '../src/limit/clock.js'
import { bucketSpec, initBucket, refill, TokenBucket, take } from '../src/limit/token-bucket.js'
import { startWorker } from './fixtures/run-worker.js'

const MINUTE_US = 60_000_000

function drain(bucket: TokenBucket, nowUs: number, n = 1): number {
  let grants = 0
  while (bucket.acquire(n, nowUs)) grants++
  return grants
}

describe('bucketSpec', () => {
  it.each([
    [10_000, { stepTokens: 1, stepUs: 6_000 }], // the seed's default: a request every 6 ms
    [60, { stepTokens: 1, stepUs: 1_000_000 }],
    [7, { stepTokens: 1, stepUs: 8_571_429 }], // 60 s / 7, to the microsecond
    [600_000, { stepTokens: 10, stepUs: 1_000 }], // fast rates refill in 1 ms steps
    [150_000_000, { stepTokens: 2_500, stepUs: 1_000 }], // OpenAI's largest TPM tier
  ])('refills %i a minute in whole integer steps', (perMinute, step) => {
    expect(bucketSpec(perMinute, 500)).toEqual({ capacity: 500, perMinute, ...step })
  })

  it('rejects limits an Int32 cannot hold', () => {
    expect(() => bucketSpec(0, 1)).toThrow('perMinute must be an integer from 1 to 1073741824')
    expect(() => bucketSpec(1, 2 ** 30 + 1)).toThrow('capacity must be an integer from 1 to 1073741824')
  })
})

describe('TokenBucket', () => {
  const t0 = 1_000 * MINUTE_US // an arbitrary instant, a whole number of seconds

  it('grants the burst, then one token per step, keeping the part of a step already elapsed', () => {
    const bucket = TokenBucket.create(bucketSpec(60, 5), t0) // one token a second
    expect(drain(bucket, t0)).toBe(5)
    expect(bucket.acquire(1, t0 + 999_999)).toBe(false)
    expect(bucket.acquire(1, t0 + 1_000_000)).toBe(true)
    expect(bucket.acquire(1, t0 + 2_500_000)).toBe(true) // step 2 done at 2.0 s
    expect(bucket.acquire(1, t0 + 2_900_000)).toBe(false)
    expect(bucket.acquire(1, t0 + 3_000_000)).toBe(true) // 0.5 s of step 3 was kept, not lost
    expect(bucket.waitUs(1, t0 + 3_250_000)).toBe(750_000)
  })

  it('acquires a batch in one operation, all or nothing', () => {
    const bucket = TokenBucket.create(bucketSpec(60, 100), t0)
    expect(bucket.acquire(64, t0)).toBe(true)
    expect(bucket.available()).toBe(36)
    expect(bucket.acquire(37, t0)).toBe(false)
    expect(bucket.available()).toBe(36)
    expect(bucket.acquire(36, t0)).toBe(true)
    expect(bucket.available()).toBe(0)
  })

  it('never fills above its capacity, however long it idles', () => {
    const bucket = TokenBucket.create(bucketSpec(60, 5), t0)
    expect(drain(bucket, t0)).toBe(5)
    expect(drain(bucket, t0 + 10 * MINUTE_US)).toBe(5)
  })

  it.each([
    ['the Int32 sign boundary', 2 ** 31 - 300_000],
    ['the 2^32 wrap', 5 * 2 ** 32 - 300_000],
  ])('refills across %s of the microsecond clock', (_, start) => {
    const bucket = TokenBucket.create(bucketSpec(60, 3), start)
    expect(drain(bucket, start)).toBe(3)
    expect(bucket.acquire(1, start + 999_999)).toBe(false)
    expect(bucket.acquire(1, start + 1_000_000)).toBe(true)
    expect(drain(bucket, start + 2_000_000)).toBe(1)
  })

  it('is full after an idle longer than the microsecond clock can measure', () => {
    const bucket = TokenBucket.create(bucketSpec(60, 100), t0)
    expect(drain(bucket, t0)).toBe(100)
    // 40 min: (now - stamp) | 0 is negative; 71.6 min + 1 s: it is 1 s. Both are a full bucket.
    expect(drain(bucket, t0 + 40 * MINUTE_US)).toBe(100)
    const later = t0 + 40 * MINUTE_US + 2 ** 32 + 1_000_000
    expect(drain(bucket, later)).toBe(100)
  })

  it('credits a long idle from whole seconds, never more than the time allows', () => {
    const bucket = TokenBucket.create(bucketSpec(1, 500), t0) // one a minute
    expect(drain(bucket, t0)).toBe(500)
    // 40 min since the last credit is 40 tokens; the seconds clock can only vouch for 2,399 s: 39.
    expect(drain(bucket, t0 + 40 * MINUTE_US)).toBe(39)
  })

  it('gives back a refund up to its capacity, and carries a charge as a debt', () => {
    const bucket = TokenBucket.create(bucketSpec(60, 10), t0)
    expect(bucket.acquire(4, t0)).toBe(true)
    bucket.adjust(100, t0)
    expect(bucket.available()).toBe(10)
    bucket.adjust(-15, t0)
    expect(bucket.available()).toBe(-5)
    expect(bucket.acquire(1, t0 + 5_000_000)).toBe(false) // 5 s paid the debt back to 0
    expect(bucket.acquire(1, t0 + 6_000_000)).toBe(true)
  })

  it('does not grant 2x the burst after idle when two refills race (the fetch_sub fast path does)', () => {
    // The interleaving that breaks a bucket whose refill is a plain store beside a fetch_sub fast
    // path: two threads see the same idle bucket, both refill it, both drain it.
    const cap = 50
    const naive = { tokens: 0, last: t0 }
    const seenByA = { tokens: naive.tokens, last: naive.last }
    const seenByB = { tokens: naive.tokens, last: naive.last }
    const idle = t0 + MINUTE_US
    naive.tokens = Math.min(cap, seenByA.tokens + (idle - seenByA.last)) // A refills
    naive.last = idle
    let naiveGrants = naive.tokens // A drains (fetch_sub)
    naive.tokens = Math.min(cap, seenByB.tokens + (idle - seenByB.last)) // B refills from what it saw
    naiveGrants += naive.tokens // B drains
    expect(naiveGrants).toBe(2 * cap)

    // The same interleaving here: A refills and drains, then B refills from the same instant: that
    // time was credited already (B's compare-and-exchange finds STAMP moved), so B gets nothing.
    const spec = bucketSpec(60, cap)
    const bucket = TokenBucket.create(spec, t0)
    expect(drain(bucket, t0)).toBe(cap)
    const a = new Int32Array(bucket.buffer)
    refill(a, 0, spec, idle)
    let grants = 0
    while (take(a, 0, 1)) grants++
    refill(a, 0, spec, idle)
    while (take(a, 0, 1)) grants++
    expect(grants).toBe(cap)
  })
})

describe('TokenBucket shared by worker_threads', () => {
  const control = () => new SharedArrayBuffer(16)
  const START = 0
  const STOP = 1
  const READY = 2

  async function ready(flags: Int32Array, workers: number): Promise<void> {
    while (Atomics.load(flags, READY) < workers) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  it('4 workers racing on an idle bucket at one instant take exactly its capacity', async () => {
    const t0 = nowMicros()
    const spec = bucketSpec(60, 1_000)
    const bucket = TokenBucket.create(spec, t0)
    expect(drain(bucket, t0)).toBe(1_000)
    const flagsBuffer = control()
    const flags = new Int32Array(flagsBuffer)
    const idle = t0 + 20 * MINUTE_US // every worker refills "after idle", with the same clock reading
    const workers = Array.from({ length: 4 }, () =>
      startWorker('./bucket-worker.ts', {
        buffer: bucket.buffer,
        spec,
        control: flagsBuffer,
        n: 1,
        nowUs: idle,
        untilEmpty: true,
      }),
    )
    await ready(flags, 4)
    Atomics.store(flags, START, 1)
    Atomics.notify(flags, START)
    const results = (await Promise.all(workers.map((w) => w.result))) as Array<{ grants: number }>
    await Promise.all(workers.map((w) => w.worker.terminate()))
    expect(results.reduce((sum, r) => sum + r.grants, 0)).toBe(1_000)
  })

  it('4 workers hammering one key get the capacity plus the refill over the measured interval', async () => {
    const spec = bucketSpec(600_000, 10_000) // 10 tokens a millisecond, 10,000 at once
    const bucket = TokenBucket.create(spec)
    const flagsBuffer = control()
    const flags = new Int32Array(flagsBuffer)
    const workers = Array.from({ length: 4 }, () =>
      startWorker('./bucket-worker.ts', {
        buffer: bucket.buffer,
        spec,
        control: flagsBuffer,
        n: 1,
        nowUs: undefined,
        untilEmpty: false,
      }),
    )
    await ready(flags, 4)
    // The interval starts now, with the workers waiting on START: a full bucket stamped t0, drained
    // at once, so no refill is lost to a full bucket while the workers wake up.
    const t0 = nowMicros()
    initBucket(new Int32Array(bucket.buffer), 0, spec, t0)
    const drained = drain(bucket, t0)
    Atomics.store(flags, START, 1)
    Atomics.notify(flags, START)
    await new Promise((resolve) => setTimeout(resolve, 300))
    Atomics.store(flags, STOP, 1)
    const results = (await Promise.all(workers.map((w) => w.result))) as Array<{
      grants: number
      lastNow: number
    }>
    const t1 = nowMicros()
    await Promise.all(workers.map((w) => w.worker.terminate()))

    const refillOver = (us: number) => Math.floor(us / spec.stepUs) * spec.stepTokens
    const grants = drained + results.reduce((sum, r) => sum + r.grants, 0)
    // The last clock reading any worker passed to acquire: the refill cannot have gone past it.
    const tEnd = Math.max(...results.map((r) => r.lastNow))
    const left = bucket.available() // credited, not taken when the workers stopped
    expect(grants).toBeLessThanOrEqual(spec.capacity + refillOver(t1 - t0))
    expect(grants + left).toBeLessThanOrEqual(spec.capacity + refillOver(tEnd - t0))
    expect(grants + left).toBeGreaterThanOrEqual(spec.capacity + refillOver(tEnd - t0) - spec.stepTokens)
    expect(refillOver(tEnd - t0)).toBeGreaterThan(0)
  })
})
