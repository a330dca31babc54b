/**
 * The limiter's acquire against plain JavaScript (the Rust Velox gateway's fetch_sub token bucket, in
 * Node): one bucket, a batch of 64, and 10,000 keys through the gateway's own in-process store
 * (hash, table lookup, both buckets), each beside the plain-object equivalent in the same run.
 * The plain versions are what one thread needs; the Atomics versions are what threads can share.
 */
import { createGateway } from '@velox/core'
import { bucketSpec, gatewayCore, TokenBucket } from '@velox/core/internal'
import { type GroupResult, runGroup } from '../lib/suite.js'

const HUGE = 2 ** 30 // a bucket that does not run dry during a benchmark: the grant path is measured

let sink = 0

export function benchTokenBucket(): GroupResult[] {
  const spec = bucketSpec(10_000, HUGE)
  const now = 1_000_000_000 // a fixed clock reading: the Atomics alone
  const bucket = TokenBucket.create(spec, now)
  const clocked = TokenBucket.create(spec)
  const plain = { tokens: HUGE }

  const single = runGroup('rate limiter, acquire 1 (one key)', {
    'plain object counter (baseline)': () => {
      if (plain.tokens >= 1) plain.tokens -= 1
      else plain.tokens = HUGE
      sink += plain.tokens
    },
    'TokenBucket.acquire(1, now)': () => {
      if (!bucket.acquire(1, now)) bucket.adjust(HUGE, now)
    },
    'TokenBucket.acquire(1) (reads the clock)': () => {
      if (!clocked.acquire(1)) clocked.adjust(HUGE)
    },
  })

  const batch = runGroup('rate limiter, acquire a batch of 64 (one key)', {
    'plain object counter (baseline)': () => {
      if (plain.tokens >= 64) plain.tokens -= 64
      else plain.tokens = HUGE
      sink += plain.tokens
    },
    'TokenBucket.acquire(64, now)': () => {
      if (!bucket.acquire(64, now)) bucket.adjust(HUGE, now)
    },
  })

  const keys = Array.from(
    { length: 10_000 },
    (_, i) => `key:${(i * 2654435761).toString(16).padStart(32, '0')}`,
  )
  const plainKeys = new Map<string, { tokens: number }>()
  const gateway = createGateway({ limit: { rpm: 600_000_000, burst: HUGE, maxKeys: 16_384 } })
  const store = gatewayCore(gateway).limiter!.store
  let i = 0
  let j = 0
  const perKey = runGroup('rate limiter, acquire 1 over 10,000 keys', {
    'Map of plain objects (baseline)': () => {
      const key = keys[i++ % keys.length]!
      let b = plainKeys.get(key)
      if (b === undefined) {
        b = { tokens: HUGE }
        plainKeys.set(key, b)
      }
      if (b.tokens >= 1) b.tokens -= 1
      sink += b.tokens
    },
    'gateway in-process store (SharedArrayBuffer table)': () => {
      const r = store.acquire(0, keys[j++ % keys.length]!, 1, 0) as { granted: boolean }
      sink += r.granted ? 1 : 0
    },
  })
  void gateway.close()
  return [single, batch, perKey]
}

export { sink }

if (import.meta.url === `file://${process.argv[1]}`) benchTokenBucket()
