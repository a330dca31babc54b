import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { metrics, trace } from '@opentelemetry/api'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { ENV_VARIABLES, type EnvVariable } from '../src/config/env.js'
import { publishedSchema, referenceRows, referenceTable } from '../src/config/reference.js'
import { OPTIONS_SCHEMA } from '../src/config/schema.js'
import { optionEntries } from '../src/config/schema-walk.js'
import { createGateway } from '../src/gateway.js'
import {
  DEFAULTS,
  fromEnv,
  type LimitOptions,
  type RedisStoreOptions,
  resolveOptions,
  type SharedStoreOptions,
  type UpstreamOptions,
  type VeloxOptions,
} from '../src/options.js'

/** Every field required, at every depth (functions and buffers kept as they are). */
type Full<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends Buffer | SharedArrayBuffer | RegExp
    ? T
    : T extends readonly (infer I)[]
      ? Full<I>[]
      : T extends object
        ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> }
        : T

const logger = { debug() {}, info() {}, warn() {}, error() {} }
const upstream: Full<UpstreamOptions> = {
  name: 'main',
  origin: 'https://llm.example',
  apiKey: 'sk-test',
  auth: 'bearer',
  format: 'openai',
  basePath: '/v1',
  connections: 2,
  http2: true,
  weight: 1,
  warmup: false,
  headers: { 'openai-organization': 'org' },
  tls: { ca: 'pem', rejectUnauthorized: true, servername: 'llm.example' },
  requestPath: '/v1/responses',
  warmupPath: '/v1/models',
}
const limit: Full<Omit<LimitOptions, 'store'>> & { store: Full<RedisStoreOptions> } = {
  rpm: 60,
  burst: 5,
  tpm: 1000,
  tokenBurst: 1000,
  key: () => 'k',
  estimateTokens: () => 1,
  overrides: [{ model: 'gpt-*', path: '/chat/completions', rpm: 1, burst: 1, tpm: 1, tokenBurst: 1 }],
  maxWaitMs: 0,
  queueDepth: 8,
  maxKeys: 8,
  store: { redis: 'redis://127.0.0.1:6379', prefix: 'p:', timeoutMs: 100 },
  failClosed: false,
}
/**
 * Every option the TypeScript types have, set: `Full<>` makes the compiler refuse a missing key,
 * and excess-property checks refuse a key the types do not have. (`upstream` and `upstreams`
 * cannot both be set; this object is only walked, never resolved.)
 */
const everyOption: Full<VeloxOptions> = {
  upstream,
  upstreams: [upstream],
  routes: [{ model: 'gpt-*', upstreams: ['main', { upstream: 'main', model: 'alias' }] }],
  modelsEndpoint: 'routes',
  retry: {
    attempts: 1,
    statuses: [500],
    baseDelayMs: 1,
    maxDelayMs: 2,
    maxRetryAfterMs: 3,
    onTimeout: true,
    onResetAfterWrite: 'always',
  },
  health: {
    consecutiveGatewayFailures: 1,
    consecutive5xx: 1,
    baseEjectionMs: 1,
    maxEjectionMs: 1,
    maxEjectionPercent: 50,
    cooldown: true,
    cooldownScope: 'upstream',
    maxCooldownMs: 1,
    balance: 'p2c-ewma',
    ewmaDecayMs: 1,
    activeCheck: { intervalMs: 1, timeoutMs: 1, path: '/health' },
  },
  prefix: '/v1',
  maxBodyBytes: 1024,
  timeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1, clientBodyMs: 1, totalMs: 1 },
  limit,
  models: ['gpt-*'],
  parser: 'scanner',
  offload: { thresholdBytes: 4096 },
  logger,
  sidecar: { host: '127.0.0.1', port: 0, token: 't', profiling: true, metrics: true, sampleIntervalMs: 1000 },
  onUsage: () => {},
  tracing: {
    tracer: trace.getTracer('t'),
    meter: metrics.getMeter('m'),
    captureContent: false,
    propagate: true,
  },
  usage: { ensure: true },
  pricing: { 'gpt-*': { input: 1, cachedInput: 0.5, cacheWrite: 1.25, output: 4 } },
  budget: {
    amount: 10,
    period: { ms: 60_000 },
    key: () => 'k',
    groups: { of: () => 'team', amount: 100, period: 'month' },
    defaultMaxTokens: 1,
    maxKeys: 8,
    store: { redis: 'redis://127.0.0.1:6379', prefix: 'b:', timeoutMs: 100 },
    failClosed: false,
    now: () => 0,
  },
  cache: {
    ttlMs: 1,
    maxBytes: 1024,
    maxEntryBytes: 512,
    store: { redis: 'redis://127.0.0.1:6379', prefix: 'c:', timeoutMs: 100 },
    scope: () => 's',
    models: ['gpt-*'],
    when: 'header',
  },
  translate: { defaultMaxTokens: 1, ignoreFields: ['seed'] },
}
// The other side of the store union, so that `limit.store.buffer` is covered too.
const sharedStore: Full<SharedStoreOptions> = { buffer: new SharedArrayBuffer(8) }

/** Dotted paths of a value's fields, as the schema's entries name them (arrays: their own path). */
function paths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
  if (Object.getPrototypeOf(value) !== Object.prototype) return []
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const nested = ['headers', 'logger', 'pricing', 'groups'].includes(key) ? [] : paths(child, path) // free-form values
    return nested.length > 0 ? [path, ...nested] : [path]
  })
}

const docPage = () => readFileSync(new URL('../../../docs/reference/options.md', import.meta.url), 'utf8')

describe('the options schema', () => {
  it('has exactly the fields of the TypeScript option types', () => {
    const fromTypes = new Set([
      ...paths(everyOption),
      ...paths({ limit: { store: sharedStore }, budget: { store: sharedStore } }),
    ])
    const fromSchema = new Set(optionEntries(OPTIONS_SCHEMA).map((e) => e.path))
    // An object whose fields are all listed has no row of its own (upstream, timeouts, retry).
    const objectsWithFields = [...fromTypes].filter((p) => !fromSchema.has(p))
    expect(objectsWithFields.sort()).toEqual([
      'budget',
      'budget.store',
      'cache',
      'limit.store',
      'retry',
      'timeouts',
      'translate',
      'upstream',
      'upstream.tls',
      'usage',
    ])
    expect([...fromSchema].filter((p) => !fromTypes.has(p))).toEqual([])
  })

  it('holds the defaults resolveOptions() fills in', () => {
    const resolved = resolveOptions({
      limit: { store: { redis: 'redis://127.0.0.1:1' } },
      sidecar: {},
      offload: {},
      tracing: {},
      health: { activeCheck: {} },
      budget: { amount: 1, period: 'day', store: { redis: 'redis://127.0.0.1:1' } },
      cache: { ttlMs: 1, store: { redis: 'redis://127.0.0.1:1' } },
    }) as unknown as Record<string, unknown>
    const read = (path: string): unknown => {
      const keys = path.replace(/^upstream\./, 'upstreams.0.').split('.')
      let at: unknown = resolved
      for (const key of keys) at = (at as Record<string, unknown>)[key]
      return at instanceof Set ? [...at] : at
    }
    const withDefault = optionEntries(OPTIONS_SCHEMA).filter((e) => e.node.default !== undefined)
    expect(withDefault.length).toBeGreaterThan(30) // the loop below checks each
    for (const { path, node } of withDefault) expect([path, read(path)]).toEqual([path, node.default])
    expect(DEFAULTS.timeouts.headersMs).toBe(600_000) // one literal, read by the schema and the resolvers
  })

  it('is what docs/reference/options.md shows, row by row', () => {
    const rows = [...docPage().matchAll(/^\| `([\w.]+)` \| (.*) \| (.*) \| `?([\w]*)`? \|$/gm)].map(
      ([, option, type, value, env]) => ({
        option,
        type: type!.replaceAll('\\|', '|'),
        default: value!.replaceAll('\\|', '|'),
        env,
      }),
    )
    expect(rows).toEqual(referenceRows(OPTIONS_SCHEMA))
    expect(docPage()).toContain(referenceTable(OPTIONS_SCHEMA)) // else: pnpm docs:options
  })
})

describe('unknown keys', () => {
  it.each([
    [{ timeout: { headersMs: 5000 } }, 'timeout is not a known option; did you mean timeouts?'],
    [
      { upstream: { origin: 'https://x.example', apikey: 'sk-1' } },
      'upstream.apikey is not a known option; did you mean upstream.apiKey?',
    ],
    [
      { upstream: { tls: { serverName: 'x' } } },
      'upstream.tls.serverName is not a known option; did you mean upstream.tls.servername?',
    ],
    [
      { upstreams: [{ name: 'a' }, { name: 'b', orign: 'http://x' }] },
      'upstreams[1].orign is not a known option; did you mean upstreams[1].origin?',
    ],
    [
      {
        upstreams: [{ name: 'a' }],
        routes: [{ model: '*', upstreams: [['a', { upstream: 'a', modle: 'x' }]] }],
      },
      'routes[0].upstreams[0][1].modle is not a known option; did you mean routes[0].upstreams[0][1].model?',
    ],
    [{ retry: { attempt: 3 } }, 'retry.attempt is not a known option; did you mean retry.attempts?'],
    [
      { timeouts: { headerMs: 1 } },
      'timeouts.headerMs is not a known option; did you mean timeouts.headersMs?',
    ],
    [{ limit: { rmp: 60 } }, 'limit.rmp is not a known option; did you mean limit.rpm?'],
    [
      { limit: { overrides: [{ model: 'x', tmp: 1 }] } },
      'limit.overrides[0].tmp is not a known option; did you mean limit.overrides[0].tpm?',
    ],
    [
      { limit: { store: { redis: 'redis://x', prefx: 'a' } } },
      'limit.store.prefx is not a known option; did you mean limit.store.prefix?',
    ],
    [{ offload: { threshold: 4096 } }, 'offload.threshold is not a known option'],
    [{ sidecar: { prot: 6060 } }, 'sidecar.prot is not a known option; did you mean sidecar.port?'],
    [{ onusage: () => {} }, 'onusage is not a known option; did you mean onUsage?'],
    [{ somethingElse: 1 }, 'somethingElse is not a known option'],
  ])('refuses %j with the nearest known key', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(message)
    expect(() => createGateway(options as never)).toThrow(message)
  })

  it('says nothing more when no key is near', () => {
    expect(() => resolveOptions({ somethingElse: 1 } as never)).toThrow(
      /^somethingElse is not a known option$/,
    )
  })

  it('leaves free-form values alone: headers, ioredis options, buffers, $schema', () => {
    expect(() =>
      resolveOptions({
        $schema: './node_modules/@velox/core/dist/options.schema.json',
        upstream: { headers: { 'x-anything': 'a' }, tls: { ca: Buffer.from('pem') } },
        limit: { store: { redis: { host: '127.0.0.1', lazyConnect: true } } },
      } as never),
    ).not.toThrow()
  })
})

/** A valid value of each variable's option, and its text in the environment. */
function sample({ path, node }: EnvVariable): [string, unknown] {
  if (/^budget\.(groups\.)?period$/.test(path)) return ['month', 'month']
  if (node.type === 'number') return ['2.5', 2.5]
  // A toggle that takes `true` (limit, health) keeps it; one that takes only `false` gets `{}`.
  if (node.anyOf) return node.anyOf.some((v) => v.type === 'boolean') ? ['true', true] : ['true', {}]
  if (node.type === 'array')
    return node.items!.type === 'integer' ? ['500, 503', [500, 503]] : ['a*,b', ['a*', 'b']]
  if (node.type === 'integer') {
    const n = (node.minimum ?? 0) + 1
    return [String(n), n]
  }
  if (node.type === 'boolean') return node.default === true ? ['false', false] : ['true', true]
  if (node.enum) return [String(node.enum.at(-1)), node.enum.at(-1)]
  if (path.endsWith('origin')) return ['http://127.0.0.1:8080', 'http://127.0.0.1:8080']
  if (path.endsWith('redis')) return ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379']
  if (path.endsWith('host')) return ['127.0.0.2', '127.0.0.2']
  return node['x-type'] === 'path' ? ['/v2/x', '/v2/x'] : ['text', 'text']
}

function at(options: unknown, path: string): unknown {
  return path.split('.').reduce((o, k) => (o as Record<string, unknown> | undefined)?.[k], options)
}

describe('fromEnv', () => {
  it('reads every documented variable into its option', () => {
    const documented = [...docPage().matchAll(/\| `((?:VELOX|OPENAI)_\w+)` \|$/gm)].map(([, name]) => name)
    expect(documented).toEqual(ENV_VARIABLES.map((v) => v.name))
    expect(documented.length).toBeGreaterThan(40) // the loop below reads each
    for (const variable of ENV_VARIABLES) {
      const [text, value] = sample(variable)
      // Options that need another: tokenBurst a tpm, the Redis store's settings a Redis URL.
      const needs = {
        ...(variable.path === 'limit.tokenBurst' && { VELOX_LIMIT_TPM: '5' }),
        ...(/^limit\.store\.(prefix|timeoutMs)$/.test(variable.path) && {
          VELOX_LIMIT_STORE_REDIS: 'redis://127.0.0.1:6379',
        }),
        // A budget needs an amount and a period, a cache a ttl, their Redis settings a Redis URL.
        ...(/^budget\./.test(variable.path) && { VELOX_BUDGET_AMOUNT: '1', VELOX_BUDGET_PERIOD: 'day' }),
        ...(/^budget\.store\.(prefix|timeoutMs)$/.test(variable.path) && {
          VELOX_BUDGET_STORE_REDIS: 'redis://127.0.0.1:6379',
        }),
        ...(/^cache\./.test(variable.path) && { VELOX_CACHE_TTL_MS: '1' }),
        ...(/^cache\.store\.(prefix|timeoutMs)$/.test(variable.path) && {
          VELOX_CACHE_STORE_REDIS: 'redis://127.0.0.1:6379',
        }),
        [variable.name]: text,
      }
      const options = fromEnv(needs)
      expect([variable.name, at(options, variable.path)]).toEqual([variable.name, value])
      expect(() => resolveOptions(options)).not.toThrow()
    }
  })

  it('keeps the Rust Velox gateway variables and names the rest after their paths', () => {
    const byPath = Object.fromEntries(ENV_VARIABLES.map((v) => [v.path, v.name]))
    expect(byPath).toMatchObject({
      'upstream.origin': 'VELOX_UPSTREAM_ORIGIN',
      'upstream.requestPath': 'VELOX_UPSTREAM_REQUEST_PATH',
      'upstream.warmupPath': 'VELOX_UPSTREAM_WARMUP_PATH',
      'upstream.connections': 'VELOX_EGRESS_POOL_CONNECTIONS',
      'upstream.apiKey': 'OPENAI_API_KEY',
      'limit.rpm': 'VELOX_RATE_LIMIT_RPM',
      'limit.burst': 'VELOX_RATE_LIMIT_BURST',
      'limit.tpm': 'VELOX_LIMIT_TPM',
      'timeouts.headersMs': 'VELOX_TIMEOUTS_HEADERS_MS',
      'sidecar.port': 'VELOX_SIDECAR_PORT',
    })
  })

  it('turns a feature on when one of its variables is set', () => {
    expect(fromEnv({ VELOX_LIMIT_TPM: '1000' })).toEqual({ limit: { tpm: 1000 } })
    expect(fromEnv({ VELOX_LIMIT: 'true', VELOX_RATE_LIMIT_RPM: '60' })).toEqual({ limit: { rpm: 60 } })
    expect(fromEnv({ VELOX_SIDECAR_PORT: '0' })).toEqual({ sidecar: { port: 0 } })
    expect(fromEnv({ VELOX_OFFLOAD: 'false' })).toEqual({ offload: false })
    expect(fromEnv({})).toEqual({})
  })

  it.each([
    [{ VELOX_TIMEOUTS_HEADERS_MS: '-5' }, 'VELOX_TIMEOUTS_HEADERS_MS must be an integer >= 0 (got "-5")'],
    [{ VELOX_TIMEOUTS_HEADERS_MS: '5s' }, 'VELOX_TIMEOUTS_HEADERS_MS must be an integer (got "5s")'],
    [{ VELOX_SIDECAR_PORT: '70000' }, 'VELOX_SIDECAR_PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ VELOX_SIDECAR_METRICS: 'yes' }, 'VELOX_SIDECAR_METRICS must be true or false (got "yes")'],
    [{ VELOX_PARSER: 'json' }, 'VELOX_PARSER must be one of scanner, simdjson (got "json")'],
    [{ VELOX_RETRY_STATUSES: '500,x' }, 'VELOX_RETRY_STATUSES must be an integer (got "x")'],
    [{ VELOX_LIMIT: 'maybe' }, 'VELOX_LIMIT must be true or false (got "maybe")'],
    [
      { VELOX_LIMIT: 'false', VELOX_LIMIT_TPM: '5' },
      'VELOX_LIMIT_TPM is set while VELOX_LIMIT turns limit off',
    ],
    [
      { VELOX_CONFIG: '{"timeout":{}}' },
      'VELOX_CONFIG: timeout is not a known option; did you mean timeouts?',
    ],
    [
      { VELOX_CONFIG: '{"upstream":{"apiKey":"sk-secret"' },
      'VELOX_CONFIG must be a JSON object: it is not valid JSON',
    ],
    [
      { VELOX_CONFIG: '/nonexistent/velox.json' },
      'VELOX_CONFIG names a file that cannot be read: /nonexistent/velox.json (ENOENT)',
    ],
    [
      { VELOX_CONFIG: '{"upstreams":[{"name":"a"}]}', OPENAI_API_KEY: 'sk-x' },
      'OPENAI_API_KEY set the single upstream, but VELOX_CONFIG lists upstreams: put these settings in the list',
    ],
  ])('names the variable in the error for %j', (env, message) => {
    let error: Error | undefined
    try {
      fromEnv(env)
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).toBe(message)
    expect(error?.message).not.toContain('sk-secret')
  })

  it('starts a gateway from a schema-checked config file as from the same object in code', async () => {
    const config = {
      upstreams: [
        { name: 'openai', origin: 'http://127.0.0.1:9', apiKey: 'sk-a', connections: 2 },
        { name: 'backup', origin: 'http://127.0.0.1:10', auth: 'api-key', headers: { 'x-team': 'ml' } },
      ],
      routes: [{ model: 'gpt-*', upstreams: [['openai', { upstream: 'backup', model: 'gpt-b' }], 'backup'] }],
      retry: { attempts: 3, statuses: [429, 503] },
      timeouts: { headersMs: 120_000 },
      limit: { rpm: 600, overrides: [{ model: 'gpt-4o*', tpm: 30_000 }] },
      models: ['gpt-*'],
      offload: false,
      sidecar: false,
    } satisfies VeloxOptions
    const file = join(mkdtempSync(join(tmpdir(), 'velox-config-')), 'velox.config.json')
    writeFileSync(file, JSON.stringify({ $schema: './options.schema.json', ...config }))

    const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(
      publishedSchema(OPTIONS_SCHEMA),
    )
    expect(validate(JSON.parse(readFileSync(file, 'utf8')))).toBe(true)
    expect(validate({ timeout: {} })).toBe(false) // the schema refuses typos as createGateway does
    expect(validate({ upstream: { connections: 0 } })).toBe(false)

    const fromFile = fromEnv({ VELOX_CONFIG: file, VELOX_TIMEOUTS_CONNECT_MS: '2000' })
    const inCode = { ...config, timeouts: { ...config.timeouts, connectMs: 2000 } }
    expect(resolveOptions(fromFile)).toEqual(resolveOptions(inCode))
    const gateway = createGateway(fromFile)
    await gateway.ready()
    expect(gateway.stats().upstreams.map((u) => u.name)).toEqual(['openai', 'backup'])
    await gateway.close()
  })
})
