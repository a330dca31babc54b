import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { DEFAULTS, fromEnv, resolveOptions } from '../src/options.js'

describe('resolveOptions', () => {
  it('fills in the defaults and freezes the result', () => {
    const o = resolveOptions()
    expect(o.prefix).toBe('/v1')
    expect(o.maxBodyBytes).toBe(32 * 1024 * 1024)
    expect(o.upstreams).toEqual([
      {
        name: 'default',
        origin: 'https://api.openai.com',
        apiKey: undefined,
        auth: 'bearer',
        format: 'openai',
        basePath: '/v1',
        connections: availableParallelism(),
        http2: true,
        weight: 1,
        warmup: true,
        headers: {},
        tls: undefined,
        requestPath: '/v1/responses',
        warmupPath: '/v1/models',
      },
    ])
    expect(o.routes).toBeUndefined()
    expect(o.modelsEndpoint).toBe('proxy')
    expect(o.retry).toEqual({
      attempts: 2,
      statuses: new Set([408, 409, 429, 500, 502, 503, 504, 529]),
      baseDelayMs: 200,
      maxDelayMs: 5000,
      maxRetryAfterMs: 10000,
      onTimeout: false,
      onResetAfterWrite: 'idempotent',
    })
    expect(o.timeouts).toEqual(DEFAULTS.timeouts)
    expect(o.parser).toBe('scanner')
    expect(o.offload).toEqual({ thresholdBytes: 256 * 1024 })
    expect(resolveOptions({ parser: 'simdjson' }).offload).toBeUndefined() // the worker runs the scanner
    expect(Object.isFrozen(o)).toBe(true)
    expect(Object.isFrozen(o.upstreams[0])).toBe(true)
  })

  it('takes 256 KiB as the offload threshold when none is given', () => {
    expect(resolveOptions({ offload: {} }).offload).toEqual({ thresholdBytes: 256 * 1024 })
    expect(resolveOptions({ offload: { thresholdBytes: 4096 } }).offload).toEqual({ thresholdBytes: 4096 })
    expect(resolveOptions({ offload: false }).offload).toBeUndefined()
  })

  it('takes the upstream format from auth unless set, and checks translate', () => {
    const formats = (upstreams: object[]) =>
      resolveOptions({ upstreams } as never).upstreams.map((u) => u.format)
    expect(
      formats([
        { name: 'a' },
        { name: 'b', auth: 'anthropic' },
        { name: 'c', auth: 'anthropic', format: 'openai' },
      ]),
    ).toEqual(['openai', 'anthropic', 'openai'])
    expect(resolveOptions().translate).toEqual({ defaultMaxTokens: 4096, ignoreFields: new Set() })
    expect(resolveOptions({ translate: { defaultMaxTokens: 10, ignoreFields: ['seed'] } }).translate).toEqual(
      {
        defaultMaxTokens: 10,
        ignoreFields: new Set(['seed']),
      },
    )
    const bad: Array<[object, string]> = [
      [{ upstream: { format: 'gemini' } }, 'upstream.format must be one of openai, anthropic (got "gemini")'],
      [{ translate: { defaultMaxTokens: 0 } }, 'translate.defaultMaxTokens must be an integer >= 1 (got 0)'],
      [
        { translate: { ignoreFields: 'seed' } },
        'translate.ignoreFields must be an array of field names (got "seed")',
      ],
      [
        { translate: { ignoreField: [] } },
        'translate.ignoreField is not a known option; did you mean translate.ignoreFields?',
      ],
    ]
    for (const [options, message] of bad) expect(() => resolveOptions(options as never)).toThrow(message)
  })

  it('keeps an explicit 0 (no `||` defaults)', () => {
    expect(resolveOptions({ timeouts: { headersMs: 0 } }).timeouts.headersMs).toBe(0)
  })

  it('uses HTTP/1.1 and no warm-up for http origins unless told otherwise', () => {
    const [local] = resolveOptions({ upstream: { origin: 'http://127.0.0.1:8080' } }).upstreams
    expect([local!.http2, local!.warmup]).toEqual([false, false])
    const [remote] = resolveOptions({ upstream: { origin: 'https://x.example', http2: false } }).upstreams
    expect([remote!.http2, remote!.warmup]).toEqual([false, true])
  })

  it('resolves several upstreams and routes that name them', () => {
    const o = resolveOptions({
      upstreams: [
        { name: 'a', origin: 'http://127.0.0.1:1' },
        { name: 'b', origin: 'http://127.0.0.1:2', auth: 'anthropic', weight: 3 },
      ],
      routes: [{ model: 'gpt-*', upstreams: [['a', { upstream: 'b', model: 'alias' }], 'b'] }],
    })
    expect(o.upstreams.map((u) => [u.name, u.auth, u.weight])).toEqual([
      ['a', 'bearer', 1],
      ['b', 'anthropic', 3],
    ])
    expect(o.routes![0]!.tiers).toEqual([
      [
        { upstream: 'a', model: undefined },
        { upstream: 'b', model: 'alias' },
      ],
      [{ upstream: 'b', model: undefined }],
    ])
    expect(o.modelsEndpoint).toBe('routes')
  })

  it.each([
    [{ maxBodyBytes: 0 }, 'maxBodyBytes must be an integer >= 1 (got 0)'],
    [{ maxBodyBytes: 1.5 }, 'maxBodyBytes must be an integer >= 1 (got 1.5)'],
    [{ prefix: 'v1' }, 'prefix must be a path starting with "/" (no query, no spaces) (got "v1")'],
    [{ timeouts: { connectMs: -1 } }, 'timeouts.connectMs must be a non-negative integer (got -1)'],
    [
      { upstream: { origin: 'ftp://x' } },
      'upstream.origin must be an http(s) URL without credentials (got "ftp://x")',
    ],
    [
      { upstream: { origin: 'not a url' } },
      'upstream.origin must be an absolute http(s) URL (got "not a url")',
    ],
    [
      { upstream: { origin: 'https://x.example/v1' } },
      'upstream.origin must be an origin only (put the path in basePath) (got "https://x.example/v1")',
    ],
    [{ upstream: { connections: 0 } }, 'upstream.connections must be an integer >= 1 (got 0)'],
    [{ upstream: { headers: { 'x-a': 1 } } }, 'upstream.headers.x-a must be a string (got 1)'],
    [{ models: ['ok', ''] }, 'models must be an array of non-empty strings (got ["ok",""])'],
    [{ limit: { rpm: 0 } }, 'limit.rpm must be an integer >= 1 (got 0)'],
    [{ parser: 'json' }, `parser must be 'scanner' or 'simdjson' (got "json")`],
    [{ offload: true }, 'offload must be false or an object ({ thresholdBytes }) (got true)'],
    [{ offload: { thresholdBytes: 100 } }, 'offload.thresholdBytes must be an integer >= 4096 (got 100)'],
    [
      { parser: 'simdjson', offload: { thresholdBytes: 1_000_000 } },
      `offload must be off (false) with parser: 'simdjson' (got {"thresholdBytes":1000000})`,
    ],
    [
      { upstream: {}, upstreams: [] },
      'upstream and upstreams cannot both be set: list every upstream in upstreams',
    ],
    [{ upstreams: [] }, 'upstreams must be a non-empty array (got [])'],
    [{ upstreams: [{ name: 'a' }, { name: 'a' }] }, 'upstreams[1].name must be unique (got "a")'],
    [
      { upstream: { auth: 'basic' } },
      'upstream.auth must be one of bearer, api-key, anthropic (got "basic")',
    ],
    [
      { upstreams: [{ name: 'a' }], routes: [{ model: 'x', upstreams: ['b'] }] },
      'routes[0].upstreams[0] must be the name of an upstream (a) (got "b")',
    ],
    [
      { routes: [{ model: '', upstreams: ['default'] }] },
      'routes[0].model must be a non-empty string (got "")',
    ],
    [{ retry: { attempts: 0 } }, 'retry.attempts must be an integer >= 1 (got 0)'],
    [
      { retry: { statuses: [200] } },
      'retry.statuses must be an array of HTTP statuses from 400 to 599 (got [200])',
    ],
    [{ modelsEndpoint: 'all' }, "modelsEndpoint must be one of 'proxy', 'routes', 'merge' (got \"all\")"],
  ])('rejects %j naming the field', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(message)
  })

  it('never echoes an API key in its error', () => {
    expect(() => resolveOptions({ upstream: { apiKey: 42 as never } })).toThrow(
      'upstream.apiKey must be a non-empty string',
    )
  })
})

describe('fromEnv', () => {
  it('reads the seed variables', () => {
    const options = fromEnv({
      VELOX_UPSTREAM_ORIGIN: 'http://127.0.0.1:9999',
      VELOX_UPSTREAM_REQUEST_PATH: '/v1/chat/completions',
      VELOX_UPSTREAM_WARMUP_PATH: '/healthz',
      VELOX_EGRESS_POOL_CONNECTIONS: '3',
      VELOX_RATE_LIMIT_RPM: '600',
      VELOX_RATE_LIMIT_BURST: '20',
      OPENAI_API_KEY: 'sk-test',
    })
    expect(options).toEqual({
      upstream: {
        origin: 'http://127.0.0.1:9999',
        requestPath: '/v1/chat/completions',
        warmupPath: '/healthz',
        connections: 3,
        apiKey: 'sk-test',
      },
      limit: { rpm: 600, burst: 20 },
    })
  })

  it('leaves the seed defaults when nothing is set', () => {
    const [u] = resolveOptions(fromEnv({})).upstreams
    expect(u!.origin).toBe('https://api.openai.com')
    expect(u!.requestPath).toBe('/v1/responses')
    expect(u!.warmupPath).toBe('/v1/models')
    expect(u!.connections).toBe(availableParallelism())
    expect(resolveOptions(fromEnv({})).limit).toBeUndefined()
  })

  it('rejects a non-integer number variable by name', () => {
    expect(() => fromEnv({ VELOX_EGRESS_POOL_CONNECTIONS: 'many' })).toThrow(
      'VELOX_EGRESS_POOL_CONNECTIONS must be an integer (got "many")',
    )
  })
})
