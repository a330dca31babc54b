/** The limiter's benchmarks, for bench/run.ts: the in-process acquire, then the Redis store's. */
import type { GroupResult } from '../lib/suite.js'
import { benchRedisStore } from './redis-store.js'
import { benchTokenBucket } from './token-bucket.js'

export async function benchLimit(): Promise<GroupResult[]> {
  return [...benchTokenBucket(), ...(await benchRedisStore())]
}
