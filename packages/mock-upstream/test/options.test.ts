import { describe, expect, it } from 'vitest'
import { createMockUpstream } from '../src/index.js'
import { DEFAULTS, resolveOptions } from '../src/options.js'

describe('options', () => {
  it('defaults every field', () => {
    expect(resolveOptions()).toEqual({
      port: 0,
      host: '127.0.0.1',
      tls: undefined,
      models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
      latencyMs: 0,
      chunkDelayMs: 0,
      apiKey: undefined,
    })
    expect(Object.isFrozen(resolveOptions())).toBe(true)
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
  })

  it('keeps an explicit zero', () => {
    expect(resolveOptions({ latencyMs: 0, port: 0 })).toMatchObject({ latencyMs: 0, port: 0 })
  })

  it.each([
    [{ port: -1 }, 'port must be an integer from 0 to 65535, got -1'],
    [{ port: 1.5 }, 'port must be an integer from 0 to 65535, got 1.5'],
    [{ latencyMs: -5 }, 'latencyMs must be an integer from 0 to 2147483647, got -5'],
    [{ chunkDelayMs: Number.NaN }, 'chunkDelayMs must be an integer from 0 to 2147483647, got NaN'],
    [{ host: '' }, 'host must be a non-empty string'],
    [{ apiKey: '' }, 'apiKey must be a non-empty string'],
    [{ models: ['ok', ''] }, 'models[1] must be a non-empty string'],
  ])('rejects %j naming the field', async (options, message) => {
    await expect(createMockUpstream(options)).rejects.toThrow(message)
  })

  it('rejects a port that is taken', async () => {
    const first = await createMockUpstream()
    try {
      await expect(createMockUpstream({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    } finally {
      await first.close()
    }
  })

  it('close() can be called twice', async () => {
    const mock = await createMockUpstream()
    await Promise.all([mock.close(), mock.close()])
    await mock.close()
  })
})
