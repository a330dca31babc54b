/**
 * The in-process cache store: a least-recently-used map bounded in bytes (lru-cache's maxSize with
 * each entry's size), with the time to live checked on read, so memory stays under `maxBytes`
 * whatever the answers weigh.
 */
import { LRUCache } from 'lru-cache'
import type { CacheStore, CacheStoreStats } from './cache-store.js'
import { type CachedReply, replySize } from './cached-reply.js'

export class MemoryCacheStore implements CacheStore {
  readonly #lru: LRUCache<string, CachedReply>

  constructor(options: { maxBytes: number; maxEntryBytes: number; ttlMs: number }) {
    this.#lru = new LRUCache<string, CachedReply>({
      maxSize: options.maxBytes,
      maxEntrySize: options.maxEntryBytes + 1024,
      sizeCalculation: replySize,
      ttl: options.ttlMs,
      ttlAutopurge: false, // expired entries go on read or when space is needed: no timer per entry
    })
  }

  get(key: string): CachedReply | undefined {
    return this.#lru.get(key)
  }

  set(key: string, reply: CachedReply): void {
    this.#lru.set(key, reply)
  }

  stats(): CacheStoreStats {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize }
  }

  async close(): Promise<void> {
    this.#lru.clear()
  }
}
