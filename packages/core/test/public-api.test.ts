import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'
import * as internal from '../src/internal.js'

// The public API is a decision, not an accident: a new export from @velox/core changes this list.
// Building blocks (buffer pool, queues, parsers, limiter pieces) live in @velox/core/internal.
describe('the public API of @velox/core', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(core).sort()).toEqual([
      'DEFAULTS',
      'ERRORS',
      'Gateway',
      'REDACTED',
      'VeloxError',
      'VeloxOptionsError',
      'createBudgetBuffer',
      'createGateway',
      'createLimitBuffer',
      'fromEnv',
      'isGateway',
      'recordLimitDecision',
      'recordQueueDepth',
      'redactHeaders',
      'redactText',
      'redactingLogger',
    ])
  })

  it('holds none of the building blocks, which @velox/core/internal exports', () => {
    const blocks = [
      'BufferPool',
      'RingQueue',
      'TokenBucket',
      'bucketSpec',
      'extractFields',
      'createFieldParser',
      'spliceModel',
      'UsageCapture',
      'resolveOptions',
      'OffloadScanner',
    ]
    for (const name of blocks) {
      expect(core).not.toHaveProperty(name)
      expect(internal).toHaveProperty(name)
    }
  })

  it('gives a Gateway only methods and the documented read-only state as public members', () => {
    const gateway = core.createGateway({ upstream: { origin: 'http://127.0.0.1:9' } })
    const own = Object.keys(gateway)
      .filter((k) => !k.startsWith('_'))
      .sort()
    expect(own).toEqual(['options', 'sidecar'])
    const methods = Object.getOwnPropertyNames(core.Gateway.prototype).sort()
    expect(methods).toEqual([
      'close',
      'closing',
      'constructor',
      'handle',
      'matches',
      'ready',
      'stats',
      'warmup',
    ])
    void gateway.close()
  })
})
