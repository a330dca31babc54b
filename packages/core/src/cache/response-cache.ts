/**
 * The response cache as the cache stage and the account stage use it: look a request up (a hit
 * is replayed and the exchange is done), record a miss's answer as it passes, store it if it
 * completed. Counts hits, misses, bypasses and stores for `gateway.stats()`.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { cacheDirective } from './cache-directive.js'
import { type CacheKeyInput, cacheKey } from './cache-key.js'
import type { ResolvedCache } from './cache-options.js'
import type { CacheStore } from './cache-store.js'
import type { CachedReply } from './cached-reply.js'
import { MemoryCacheStore } from './memory-cache-store.js'
import { RedisCacheStore } from './redis-cache-store.js'
import { ReplyRecorder } from './reply-recorder.js'

export type CacheLookup =
  | { readonly outcome: 'bypass' }
  | { readonly outcome: 'hit'; readonly reply: CachedReply }
  | { readonly outcome: 'miss'; readonly key: string }

export interface CacheStats {
  hits: number
  misses: number
  bypasses: number
  stored: number
  entries: number
  bytes: number
}

export interface CacheRequest extends CacheKeyInput {
  headers: IncomingHttpHeaders
  model: string | undefined
}

const BYPASS: CacheLookup = Object.freeze({ outcome: 'bypass' })

export class ResponseCache {
  readonly config: ResolvedCache
  readonly store: CacheStore
  #hits = 0
  #misses = 0
  #bypasses = 0
  #stored = 0

  constructor(config: ResolvedCache, store?: CacheStore) {
    this.config = config
    this.store =
      store ??
      (config.store.kind === 'memory'
        ? new MemoryCacheStore(config)
        : new RedisCacheStore({ ...config.store, ttlMs: config.ttlMs }))
  }

  /** The route is cached: its answers carry `x-velox-cache`. */
  applies(model: string | undefined): boolean {
    const models = this.config.models
    return models === undefined || (model !== undefined && models.some((m) => m.test(model)))
  }

  /**
   * Looks the request up. A hit replays only a reply of the kind asked for (the key says whether
   * the request streams, and this checks it again), so SSE never answers a JSON request.
   *
   * @example
   * const found = await cache.lookup({ headers, model, upstream, path, stream, scope, body })
   */
  lookup(req: CacheRequest): CacheLookup | Promise<CacheLookup> {
    if (cacheDirective(req.headers, this.config.when) === 'bypass') {
      this.#bypasses++
      return BYPASS
    }
    const key = cacheKey(req)
    const found = this.store.get(key)
    return found instanceof Promise
      ? found.then((r) => this.#found(key, r, req.stream))
      : this.#found(key, found, req.stream)
  }

  #found(key: string, reply: CachedReply | undefined, stream: boolean): CacheLookup {
    if (reply !== undefined && reply.kind === (stream ? 'sse' : 'json')) {
      this.#hits++
      return { outcome: 'hit', reply }
    }
    this.#misses++
    return { outcome: 'miss', key }
  }

  /** A recorder for a miss's answer. */
  recorder(status: number, contentType: string | undefined): ReplyRecorder {
    return new ReplyRecorder(status, contentType, this.config.maxEntryBytes)
  }

  /** Stores what `recorder` kept if the answer completed and may be stored. */
  finish(
    key: string,
    recorder: { finish(complete: boolean): CachedReply | undefined },
    complete: boolean,
  ): boolean {
    const reply = recorder.finish(complete)
    if (reply === undefined) return false
    this.store.set(key, reply)
    this.#stored++
    return true
  }

  stats(): CacheStats {
    const s = this.store.stats()
    return {
      hits: this.#hits,
      misses: this.#misses,
      bypasses: this.#bypasses,
      stored: this.#stored,
      entries: s.entries,
      bytes: s.bytes,
    }
  }

  close(): Promise<void> {
    return this.store.close()
  }
}
