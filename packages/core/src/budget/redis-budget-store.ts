/**
 * The Redis budget store: the spend of every level in Redis, checked and charged by one Lua script
 * call (budget-script.ts), so several processes or machines enforce one budget. ioredis is loaded
 * the first time a store is created, as for the limiter's Redis store. Each (level, period) is its
 * own key, `<prefix>{<level>}:<period>`; a reservation over a key and a group level touches two
 * keys in one script, so on Redis Cluster both need one slot: give both one hash tag in the prefix.
 */
import { createHash } from 'node:crypto'
import { closeRedis, openRedis, type RedisConnection } from '../redis/connection.js'
import { BUDGET_SCRIPT } from './budget-script.js'
import type { BudgetLevel, BudgetResult, BudgetStore, BudgetStoreStats } from './budget-store.js'

interface RedisClient extends RedisConnection {
  evalsha(sha: string, keys: number, ...args: Array<string | number>): Promise<unknown>
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>
}

const SCRIPT_SHA = createHash('sha1').update(BUDGET_SCRIPT).digest('hex')
/** A (level, period) key outlives its period by this much, so a late settlement still finds it. */
const GRACE_MS = 3_600_000

export interface RedisBudgetConfig {
  redis: string | Record<string, unknown>
  prefix: string
  timeoutMs: number
}

function isClient(value: unknown): value is RedisClient {
  const v = value as Partial<RedisClient> | null
  return typeof v === 'object' && v !== null && typeof v.evalsha === 'function'
}

export class RedisBudgetStore implements BudgetStore {
  readonly sync = false
  readonly prefix: string
  readonly #timeoutMs: number
  readonly #owned: boolean
  readonly #client: Promise<RedisClient>
  #closed = false

  constructor(config: RedisBudgetConfig) {
    this.prefix = config.prefix
    this.#timeoutMs = config.timeoutMs
    this.#owned = !isClient(config.redis)
    this.#client = isClient(config.redis) ? Promise.resolve(config.redis) : this.#create(config.redis)
    this.#client.catch(() => {})
  }

  async #create(redis: string | Record<string, unknown>): Promise<RedisClient> {
    const defaults = { commandTimeout: this.#timeoutMs, connectTimeout: 5_000, maxRetriesPerRequest: 1 }
    const client = await openRedis<RedisClient>(redis, defaults) // errors: through the rejected calls
    if (this.#closed) client.disconnect()
    return client
  }

  /** The Redis key of a level in its period. */
  redisKey(level: BudgetLevel): string {
    return `${this.prefix}{${level.id}}:${level.period}`
  }

  async reserve(levels: readonly BudgetLevel[], micros: number, nowMs: number): Promise<BudgetResult> {
    const reply = (await this.#call(levels, micros, nowMs)) as number[]
    const granted = reply[0] === 1
    const tight = levels[(reply[3] ?? 1) - 1]
    return {
      granted,
      refusedBy: granted ? -1 : reply[1]! - 1,
      remainingMicros: reply[2]!,
      resetAtMs: tight?.endsAtMs ?? 0,
    }
  }

  adjust(levels: readonly BudgetLevel[], micros: number): void {
    if (micros === 0) return
    this.#call(levels, micros, undefined).catch(() => {
      // A settlement lost to an outage: the reservation (the worst case) stands.
    })
  }

  stats(): BudgetStoreStats {
    return { keys: 0, untracked: 0 }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#owned) await closeRedis(await this.#client.catch(() => undefined))
  }

  /** A reservation when `nowMs` is given (expiries are counted from it: the clock may be injected), else an adjustment. */
  async #call(levels: readonly BudgetLevel[], micros: number, nowMs: number | undefined): Promise<unknown> {
    const client = await this.#client
    const args: Array<string | number> = levels.map((l) => this.redisKey(l))
    args.push(micros, nowMs === undefined ? 'a' : 'r')
    for (const l of levels) args.push(l.limitMicros, Math.max(1, l.endsAtMs - (nowMs ?? 0) + GRACE_MS))
    const call = client.evalsha(SCRIPT_SHA, levels.length, ...args).catch((err: Error) => {
      if (!String(err?.message).startsWith('NOSCRIPT')) throw err
      return client.eval(BUDGET_SCRIPT, levels.length, ...args)
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      )
    })
    try {
      return await Promise.race([call, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}
