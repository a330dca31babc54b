/**
 * The Redis cache store, for a fleet: one key per entry (`<prefix><sha256>`) holding the encoded
 * reply (cached-reply.ts), set with PX so Redis expires it. A get that fails or takes longer than
 * timeoutMs is a miss; a set that fails is dropped. ioredis is loaded only when this store is used.
 */

import { closeRedis, openRedis, type RedisConnection } from '../redis/connection.js'
import type { CacheStore, CacheStoreStats } from './cache-store.js'
import { type CachedReply, decodeReply, encodeReply } from './cached-reply.js'

interface RedisClient extends RedisConnection {
  getBuffer(key: string): Promise<Buffer | null>
  set(key: string, value: Buffer, px: 'PX', ms: number): Promise<unknown>
}

export interface RedisCacheConfig {
  redis: string | Record<string, unknown>
  prefix: string
  timeoutMs: number
  ttlMs: number
}

function isClient(value: unknown): value is RedisClient {
  const v = value as Partial<RedisClient> | null
  return typeof v === 'object' && v !== null && typeof v.getBuffer === 'function'
}

export class RedisCacheStore implements CacheStore {
  readonly prefix: string
  readonly #config: RedisCacheConfig
  readonly #owned: boolean
  readonly #client: Promise<RedisClient>
  #closed = false

  constructor(config: RedisCacheConfig) {
    this.#config = config
    this.prefix = config.prefix
    this.#owned = !isClient(config.redis)
    this.#client = isClient(config.redis) ? Promise.resolve(config.redis) : this.#create(config.redis)
    this.#client.catch(() => {})
  }

  async #create(redis: string | Record<string, unknown>): Promise<RedisClient> {
    const defaults = {
      commandTimeout: this.#config.timeoutMs,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 1,
    }
    const client = await openRedis<RedisClient>(redis, defaults) // a failing cache is a miss, not an error
    if (this.#closed) client.disconnect()
    return client
  }

  async get(key: string): Promise<CachedReply | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.#config.timeoutMs)
    })
    try {
      const client = await this.#client
      const bytes = await Promise.race([client.getBuffer(this.prefix + key), timeout])
      return bytes === null ? undefined : decodeReply(bytes)
    } catch {
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  set(key: string, reply: CachedReply): void {
    this.#client
      .then((client) => client.set(this.prefix + key, encodeReply(reply), 'PX', this.#config.ttlMs))
      .catch(() => {})
  }

  stats(): CacheStoreStats {
    return { entries: 0, bytes: 0 }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#owned) await closeRedis(await this.#client.catch(() => undefined))
  }
}
