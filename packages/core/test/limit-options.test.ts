import { describe, expect, it } from 'vitest'
import { resolveLimit } from '../src/limit/limit-options.js'
import { DEFAULTS, resolveOptions } from '../src/options.js'

describe('limit options', () => {
  it('are off when absent or false, and on with the defaults when true', () => {
    expect(resolveOptions({}).limit).toBeUndefined()
    expect(resolveOptions({ limit: false }).limit).toBeUndefined()
    const on = resolveOptions({ limit: true }).limit!
    expect(on).toMatchObject({
      rpm: 10_000,
      burst: 500,
      tpm: undefined,
      tokenBurst: undefined,
      maxWaitMs: 1_000,
      queueDepth: 16_384,
      maxKeys: 16_384,
      failClosed: false,
      store: { kind: 'memory', buffer: undefined },
    })
    expect(on.policies).toHaveLength(1)
    expect(on.policies[0]!.requests).toEqual({
      capacity: 500,
      perMinute: 10_000,
      stepTokens: 1,
      stepUs: 6_000,
    })
    expect(Object.isFrozen(on)).toBe(true)
  })

  it('default the token burst to the tpm, and let overrides inherit the base limits', () => {
    const limit = resolveLimit(
      {
        rpm: 600,
        tpm: 30_000,
        overrides: [
          { model: 'gpt-4o*', rpm: 60 },
          { path: '/embeddings', tpm: 1_000_000 },
        ],
      },
      DEFAULTS.limit,
    )!
    const [base, gpt4o, embeddings] = limit.policies
    expect(base).toMatchObject({ rpm: 600, burst: 500, tpm: 30_000, tokenBurst: 30_000, model: undefined })
    expect(gpt4o).toMatchObject({ rpm: 60, burst: 500, tpm: 30_000, tokenBurst: 30_000 })
    expect(gpt4o!.model!.test('gpt-4o-mini')).toBe(true)
    expect(gpt4o!.model!.test('gpt-4')).toBe(false)
    expect(embeddings).toMatchObject({ rpm: 600, tpm: 1_000_000, tokenBurst: 1_000_000 })
    expect(embeddings!.path!.test('/embeddings')).toBe(true)
  })

  it('takes a Redis store with a prefix and a timeout', () => {
    expect(resolveLimit({ store: { redis: 'redis://127.0.0.1:6379' } }, DEFAULTS.limit)!.store).toEqual({
      kind: 'redis',
      redis: 'redis://127.0.0.1:6379',
      prefix: 'velox:rl:',
      timeoutMs: 500,
    })
  })

  it.each([
    [{ limit: { rpm: 0 } }, 'limit.rpm must be an integer >= 1 (got 0)'],
    [{ limit: { burst: 2 ** 31 } }, 'limit.burst must be an integer <= 1073741824 (got 2147483648)'],
    [{ limit: { tpm: 1.5 } }, 'limit.tpm must be an integer >= 1 (got 1.5)'],
    [{ limit: { tokenBurst: 10 } }, 'limit.tokenBurst must be set together with a tpm (got 10)'],
    [{ limit: { maxWaitMs: -1 } }, 'limit.maxWaitMs must be a non-negative integer (got -1)'],
    [{ limit: { queueDepth: 0 } }, 'limit.queueDepth must be an integer >= 1 (got 0)'],
    [{ limit: { maxKeys: 2 ** 25 } }, 'limit.maxKeys must be an integer <= 16777216 (got 33554432)'],
    [{ limit: { key: 'user' } }, 'limit.key must be a function (got "user")'],
    [{ limit: { estimateTokens: 4 } }, 'limit.estimateTokens must be a function (got 4)'],
    [{ limit: { failClosed: 'yes' } }, 'limit.failClosed must be a boolean (got "yes")'],
    [{ limit: 'on' }, 'limit must be an object, true, or false (got "on")'],
    [{ limit: { overrides: {} } }, 'limit.overrides must be an array (got {})'],
    [
      { limit: { overrides: [{ rpm: 5 }] } },
      'limit.overrides[0] must be an object with a model or a path to match (got {"rpm":5})',
    ],
    [
      { limit: { overrides: [{ model: '' }] } },
      'limit.overrides[0].model must be a non-empty string (a name or a glob with *) (got "")',
    ],
    [
      { limit: { overrides: [{ path: '/x', burst: 0 }] } },
      'limit.overrides[0].burst must be an integer >= 1 (got 0)',
    ],
    [
      { limit: { store: { buffer: new ArrayBuffer(8) } } },
      'limit.store.buffer must be a SharedArrayBuffer from createLimitBuffer() (got "[object]")',
    ],
    [
      { limit: { store: { redis: 'redis://u:p@h', timeoutMs: 0 } } },
      'limit.store.timeoutMs must be an integer >= 1 (got 0)',
    ],
  ])('rejects %j naming the field', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(message)
  })

  it('never echoes a Redis URL, which may carry a password', () => {
    expect(() => resolveOptions({ limit: { store: { redis: 'http://user:secret@host' } } } as never)).toThrow(
      'limit.store must be { buffer } or { redis }, with redis a redis:// URL, ioredis options, or an ioredis client',
    )
  })
})
