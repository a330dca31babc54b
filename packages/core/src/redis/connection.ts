/**
 * The ioredis clients the gateway makes for itself (the limiter's, the budget's and the cache's
 * Redis stores): ioredis, an optional peer dependency, is imported on the first such store, never
 * otherwise; every client gets the store's defaults under the options the app gave, and its error
 * events are swallowed (each store reports failures through its rejected calls). A client the app
 * passes in is never made or closed here.
 */

/** What every store needs of a client to own it. */
export interface RedisConnection {
  status: string
  on(event: string, listener: (...args: unknown[]) => void): unknown
  quit(): Promise<unknown>
  disconnect(): void
}

/**
 * A new client from a `redis://` URL or ioredis options, `defaults` under them.
 *
 * @example
 * const client = await openRedis<MyClient>('redis://127.0.0.1:6379', { connectTimeout: 5_000 })
 */
export async function openRedis<T extends RedisConnection>(
  redis: string | Record<string, unknown>,
  defaults: Record<string, unknown>,
): Promise<T> {
  const { Redis } = await import('ioredis')
  const client = (typeof redis === 'string'
    ? new Redis(redis, defaults)
    : new Redis({ ...defaults, ...redis })) as unknown as T
  client.on('error', () => {}) // ioredis would print each one; the stores count and report them
  return client
}

/** Closes a client the store made: QUIT when connected (pending replies arrive), else at once. */
export async function closeRedis(client: RedisConnection | undefined): Promise<void> {
  if (client === undefined) return
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
  else client.disconnect()
}
