/**
 * The Redis store's acquire latency: N sequential acquires (one Lua script call each) against the
 * local Redis on 127.0.0.1:6379, through the gateway's own store, with the median and the 99th
 * percentile. Skipped, with a note, when no Redis answers.
 */
import { randomUUID } from 'node:crypto'
import { createGateway } from '@velox/core'
import { gatewayCore } from '@velox/core/internal'
import type { GroupResult } from '../lib/suite.js'

export async function benchRedisStore(n = 5_000, url = 'redis://127.0.0.1:6379'): Promise<GroupResult[]> {
  const prefix = `velox:bench:${randomUUID()}:`
  const gateway = createGateway({
    limit: { rpm: 600_000_000, burst: 2 ** 30, store: { redis: url, prefix } },
  })
  const store = gatewayCore(gateway).limiter!.store
  try {
    await store.acquire(0, 'warm-up', 1, 0) // connects, and loads the script
  } catch {
    console.log(`Redis store: nothing answers at ${url}; skipped`)
    await gateway.close()
    return []
  }
  const latencies = new Float64Array(n)
  const started = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint()
    await store.acquire(0, `key-${i % 100}`, 1, 0)
    latencies[i] = Number(process.hrtime.bigint() - t) / 1_000 // us
  }
  const totalS = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort()
  const p50 = latencies[Math.floor(n * 0.5)]!
  const p99 = latencies[Math.floor(n * 0.99)]!
  await gateway.close()
  const name = `${n.toLocaleString('en-US')} sequential acquires: p50 ${p50.toFixed(0)} us, p99 ${p99.toFixed(0)} us`
  console.log(`Redis store | ${name}`)
  return [
    {
      title: 'rate limiter, Redis store acquire (local Redis)',
      cases: [{ name, opsPerSec: n / totalS, rme: 0, ratio: 1 }],
    },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRedisStore()
