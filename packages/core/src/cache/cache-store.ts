/**
 * What the cache stage asks of a store: get an entry by key, and set one with a time to live.
 * The in-process store answers at once; the Redis store with a promise (a failed or slow get is a
 * miss, a failed set is dropped: the cache never fails a request).
 */
import type { CachedReply } from './cached-reply.js'

export interface CacheStoreStats {
  entries: number
  bytes: number
}

export interface CacheStore {
  get(key: string): CachedReply | undefined | Promise<CachedReply | undefined>
  set(key: string, reply: CachedReply): void
  stats(): CacheStoreStats
  close(): Promise<void>
}
