/**
 * The Redis store: the same buckets as the in-process table, kept in Redis so several processes
 * or machines share one limit. Each acquire and each adjust is one call of one Lua script
 * (redis-script.ts): EVALSHA, falling back to EVAL when the server does not know the script yet
 * (NOSCRIPT: a new or restarted server), after which EVALSHA works again.
 *
 * ioredis is an optional peer dependency, imported the first time a gateway is created with a
 * Redis store, never otherwise. A client the store creates fails fast while disconnected (no
 * offline queue) and reconnects by itself; a client the app passes is used as it is configured,
 * with `timeoutMs` as the longest wait for an answer. Every failure rejects: the limiter decides
 * to fail open or closed.
 */
import { createHash } from 'node:crypto'
import { closeRedis, openRedis, type RedisConnection } from '../redis/connection.js'
import type { LimitPolicy, ResolvedStore } from './limit-options.js'
import { LIMIT_SCRIPT } from './redis-script.js'
import type { AcquireResult, LimitStore, StoreStats } from './store.js'

/** The part of an ioredis client the store uses. */
interface RedisClient extends RedisConnection {
  evalsha(sha: string, keys: number, ...args: Array<string | number>): Promise<unknown>
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>
  once(event: string, listener: (...args: unknown[]) => void): unknown
}

type RedisConfig = Extract<ResolvedStore, { kind: 'redis' }>

const SCRIPT_SHA = createHash('sha1').update(LIMIT_SCRIPT).digest('hex')

export class RedisStoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`)
    this.name = 'RedisStoreTimeoutError'
  }
}

function isClient(value: unknown): value is RedisClient {
  const v = value as Partial<RedisClient> | null
  return (
    typeof v === 'object' && v !== null && typeof v.evalsha === 'function' && typeof v.eval === 'function'
  )
}

export class RedisStore implements LimitStore {
  readonly sync = false
  readonly prefix: string
  readonly #policies: readonly LimitPolicy[]
  readonly #timeoutMs: number
  readonly #owned: boolean
  #client: RedisClient | undefined = undefined
  readonly #connecting: Promise<RedisClient>
  /** Set once the created client was ready once: from then on, a disconnected client fails at once. */
  #readyOnce = false
  #firstReady: Promise<void> = Promise.resolve()
  #closed = false

  constructor(config: RedisConfig, policies: readonly LimitPolicy[]) {
    this.prefix = config.prefix
    this.#policies = policies
    this.#timeoutMs = config.timeoutMs
    this.#owned = !isClient(config.redis)
    if (isClient(config.redis)) {
      this.#client = config.redis
      this.#readyOnce = true
      this.#connecting = Promise.resolve(config.redis)
    } else {
      this.#connecting = this.#create(config.redis)
      this.#connecting.catch(() => {}) // reported by the first acquire
    }
  }

  async #create(redis: string | Record<string, unknown>): Promise<RedisClient> {
    // Fail fast while disconnected (the limiter fails open or closed at once instead of queueing
    // commands); ioredis keeps reconnecting in the background (its default retryStrategy).
    const defaults = { enableOfflineQueue: false, commandTimeout: this.#timeoutMs, connectTimeout: 5_000 }
    const client = await openRedis<RedisClient>(redis, defaults) // errors: counted and logged by the limiter
    this.#firstReady = new Promise<void>((resolve) =>
      client.once('ready', () => {
        this.#readyOnce = true
        resolve()
      }),
    )
    if (this.#closed) client.disconnect()
    this.#client = client
    return client
  }

  /** The Redis key of (key, policy): the key in braces, so one Redis Cluster slot holds both buckets. */
  redisKey(policy: number, key: string): string {
    return `${this.prefix}{${key}}:${policy}`
  }

  async acquire(policy: number, key: string, requests: number, tokens: number): Promise<AcquireResult> {
    const reply = await this.#call(policy, key, requests, tokens, 'a')
    const granted = reply[0] === 1
    return {
      granted,
      limitedBy: granted ? undefined : reply[1]! < requests ? 'requests' : 'tokens',
      retryAfterUs: reply[5]!,
      requestsRemaining: reply[1]!,
      requestsResetUs: reply[2]!,
      tokensRemaining: reply[3]!,
      tokensResetUs: reply[4]!,
    }
  }

  adjust(policy: number, key: string, requests: number, tokens: number): void {
    this.#call(policy, key, requests, tokens, 'd').catch(() => {
      // A refund or charge lost to an outage: the bucket expires back to full anyway.
    })
  }

  stats(): StoreStats {
    return { keys: 0, evictedActive: 0 }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#owned) await closeRedis(this.#client)
  }

  async #call(
    policy: number,
    key: string,
    requests: number,
    tokens: number,
    mode: 'a' | 'd',
  ): Promise<number[]> {
    const client = this.#readyOnce ? this.#client! : await this.#connected()
    const p = this.#policies[policy]!
    const t = p.tokens
    const args: Array<string | number> = [
      this.redisKey(policy, key),
      p.requests.capacity,
      p.requests.stepTokens,
      p.requests.stepUs,
      requests,
      t?.capacity ?? 0,
      t?.stepTokens ?? 1,
      t?.stepUs ?? 1,
      tokens,
      mode,
    ]
    return (await this.#timed(
      client.evalsha(SCRIPT_SHA, 1, ...args).catch((err: Error) => {
        if (!String(err?.message).startsWith('NOSCRIPT')) throw err
        return client.eval(LIMIT_SCRIPT, 1, ...args) // loads it: EVALSHA works from now on
      }),
    )) as number[]
  }

  /**
   * The client, once connected. The first connection of a client the store created is waited for
   * (up to timeoutMs): without an offline queue, commands sent before it would fail.
   */
  async #connected(): Promise<RedisClient> {
    const client = this.#client ?? (await this.#timed(this.#connecting))
    if (this.#readyOnce) return client
    if (client.status === 'connecting' || client.status === 'connect') await this.#timed(this.#firstReady)
    return client // when reconnecting, the call fails at once: an outage
  }

  #timed<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisStoreTimeoutError(this.#timeoutMs)), this.#timeoutMs)
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (err) => {
          clearTimeout(timer)
          reject(err)
        },
      )
    })
  }
}
