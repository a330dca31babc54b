/**
 * The options as a JSON Schema (draft-07): the one description of every option's name, type,
 * bounds, default and environment variable. Read by three consumers, so none of them repeats it:
 * the unknown-key check at createGateway (config/known-keys.ts), fromEnv() (config/env.ts), and the
 * build, which writes it to dist/options.schema.json for editors (`"$schema"` in a
 * velox.config.json). Defaults come from DEFAULTS (config/defaults.ts), never written here.
 * test/options-schema.test.ts proves it agrees with the TypeScript option types, the resolved
 * defaults and docs/reference/options.md.
 *
 * Extensions (ignored by validators): `x-code` marks a field that only code can set (a function,
 * a logger, a SharedArrayBuffer), left out of the published schema and of the environment;
 * `x-default` describes a default computed at creation; `x-env` names a variable that keeps the
 * Rust Velox gateway's name instead of the one derived from the path; `x-type` is the type as the
 * reference page shows it, where the schema's own words would say less.
 */
import { DEFAULTS } from './defaults.js'

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array'

export interface OptionSchema {
  type?: JsonType | JsonType[]
  description?: string
  default?: unknown
  enum?: readonly unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  minItems?: number
  items?: OptionSchema
  properties?: Record<string, OptionSchema>
  additionalProperties?: boolean | OptionSchema
  anyOf?: OptionSchema[]
  'x-code'?: true
  'x-default'?: string
  'x-env'?: string
  'x-type'?: string
}

const integer = (description: string, minimum: number, value?: number, maximum?: number): OptionSchema => ({
  type: 'integer',
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  ...(value === undefined ? {} : { default: value }),
  description,
})
const string = (description: string, value?: string, more: OptionSchema = {}): OptionSchema => ({
  type: 'string',
  ...(value === undefined ? {} : { default: value }),
  description,
  ...more,
})
const boolean = (description: string, value?: boolean, more: OptionSchema = {}): OptionSchema => ({
  type: 'boolean',
  ...(value === undefined ? {} : { default: value }),
  description,
  ...more,
})
const number = (description: string): OptionSchema => ({ type: 'number', minimum: 0, description })
const oneOf = (description: string, values: readonly string[], value?: string): OptionSchema => ({
  type: 'string',
  enum: values,
  ...(value === undefined ? {} : { default: value }),
  description,
})
const object = (properties: Record<string, OptionSchema>, description?: string): OptionSchema => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  additionalProperties: false,
})
const code = (description: string, type: string): OptionSchema => ({
  'x-code': true,
  'x-type': type,
  description,
})
const path = (description: string, value?: string): OptionSchema =>
  string(description, value, { 'x-type': 'path' })

const U = DEFAULTS.upstream

function upstream(description: string): OptionSchema {
  return object(
    {
      name: string('A name routes refer to.', U.name),
      origin: string('Scheme, host and port of the provider, e.g. https://api.openai.com.', U.origin, {
        'x-env': 'VELOX_UPSTREAM_ORIGIN',
        'x-type': 'string (scheme, host, port)',
      }),
      apiKey: string(
        "The provider key, sent upstream; the client's own credentials are never forwarded.",
        undefined,
        {
          'x-env': 'OPENAI_API_KEY',
        },
      ),
      auth: oneOf(
        'How the key is sent: Authorization: Bearer, api-key (Azure OpenAI), or x-api-key with anthropic-version.',
        ['bearer', 'api-key', 'anthropic'],
        U.auth,
      ),
      format: {
        ...oneOf(
          'The API the upstream speaks; a request in the other format is translated (guide/providers).',
          ['openai', 'anthropic'],
        ),
        'x-default': "`'anthropic'` with `auth: 'anthropic'`, else `'openai'`",
      },
      basePath: path('Path on the upstream that the part after prefix is appended to.', U.basePath),
      connections: {
        ...integer('Connections in the pool.', 1),
        'x-default': 'CPU count',
        'x-env': 'VELOX_EGRESS_POOL_CONNECTIONS',
      },
      http2: boolean('Negotiate HTTP/2 over TLS (ALPN).', undefined, { 'x-default': 'true for https' }),
      weight: integer('Share of traffic among equal candidates of a route.', 1, U.weight),
      warmup: boolean('Open connections at start with a GET of warmupPath.', undefined, {
        'x-default': 'true for https',
      }),
      headers: {
        type: 'object',
        description: 'Extra headers sent upstream on every request (e.g. OpenAI-Organization).',
        additionalProperties: { type: 'string' },
        'x-type': '`Record<string, string>`',
        'x-default': '`{}`',
      },
      tls: object(
        {
          ca: string('PEM certificate(s) of a private CA (a Buffer in code).'),
          rejectUnauthorized: boolean('Check the certificate chain.', undefined, { 'x-default': '`true`' }),
          servername: string('TLS server name (SNI) when it differs from the origin host.'),
        },
        'TLS settings for https origins.',
      ),
      requestPath: path('Where a request to the bare prefix goes.', U.requestPath),
      warmupPath: path('Path fetched with GET to open connections before traffic.', U.warmupPath),
    },
    description,
  )
}

const upstreamSchema = upstream('One upstream (shorthand for upstreams: [upstream]).')
const upstreamItem = upstream('An upstream with a unique name.')

const candidate: OptionSchema = {
  anyOf: [
    { type: 'string', description: 'An upstream name.' },
    object({ upstream: string('An upstream name.'), model: string('The model name sent to it instead.') }),
  ],
}

const T = DEFAULTS.timeouts
const L = DEFAULTS.limit
const R = DEFAULTS.retry
const S = DEFAULTS.sidecar
const H = DEFAULTS.health
const B = DEFAULTS.budget
const C = DEFAULTS.cache
const limitValues = {
  rpm: integer('Requests per minute per key.', 1, L.rpm),
  burst: integer('Requests a key may make at once (the requests bucket capacity).', 1, L.burst),
  tpm: { ...integer('Tokens per minute per key.', 1), 'x-default': 'none (no token limit)' },
  tokenBurst: { ...integer("The tokens bucket's capacity (needs tpm).", 1), 'x-default': '`tpm`' },
}

/** The whole options object, as createGateway() takes it. */
export const OPTIONS_SCHEMA: OptionSchema = object({
  upstream: upstreamSchema,
  upstreams: {
    type: 'array',
    minItems: 1,
    items: upstreamItem,
    description: 'Several upstreams by name; the first is the default.',
    'x-type': 'upstream[] (each with a unique name)',
    'x-default': '[upstream]',
  },
  routes: {
    type: 'array',
    description: 'Model globs to ordered candidate upstreams.',
    items: object({
      model: string('A model name or glob (gpt-4o*, *).'),
      upstreams: {
        type: 'array',
        minItems: 1,
        description: 'Tiers in fallback order; a tier that is an array is a weighted choice among equals.',
        items: { anyOf: [...candidate.anyOf!, { type: 'array', minItems: 1, items: candidate }] },
      },
    }),
    'x-type': '`{ model, upstreams }[]`',
    'x-default': 'every model to the first upstream',
  },
  modelsEndpoint: {
    ...oneOf('How GET /v1/models is answered.', ['proxy', 'routes', 'merge']),
    'x-default': "`'routes'` with routes, else `'proxy'`",
  },
  retry: object(
    {
      attempts: integer(
        'Attempts on one upstream, the first included; then the next candidate.',
        1,
        R.attempts,
      ),
      statuses: {
        type: 'array',
        items: { type: 'integer', minimum: 400, maximum: 599 },
        default: R.statuses,
        description: 'Upstream statuses worth another attempt.',
      },
      baseDelayMs: integer('First backoff step.', 0, R.baseDelayMs),
      maxDelayMs: integer('Longest backoff.', 0, R.maxDelayMs),
      maxRetryAfterMs: integer(
        'A longer Retry-After is not waited for: the next candidate is tried.',
        0,
        R.maxRetryAfterMs,
      ),
      onTimeout: boolean(
        'Retry (and fall back) after a headers or body timeout; off: a hung call may still be billing.',
        R.onTimeout,
      ),
      onResetAfterWrite: oneOf(
        'When a reset after the request body was written is retried (it may have been billed).',
        ['idempotent', 'always', 'never'],
        R.onResetAfterWrite,
      ),
    },
    'Retries and fallbacks, before the first response byte reaches the client.',
  ),
  health: {
    anyOf: [
      { type: 'boolean' },
      object({
        consecutiveGatewayFailures: integer(
          'Connect errors, resets, TLS errors and timeouts in a row that eject an upstream (0: never).',
          0,
          H.consecutiveGatewayFailures,
        ),
        consecutive5xx: integer(
          '5xx responses in a row that eject an upstream (0: never).',
          0,
          H.consecutive5xx,
        ),
        baseEjectionMs: integer(
          'First ejection time; the n-th ejection lasts n times this.',
          1,
          H.baseEjectionMs,
        ),
        maxEjectionMs: integer('Longest ejection (at least baseEjectionMs).', 1, H.maxEjectionMs),
        maxEjectionPercent: integer(
          "Share of a route's candidates that may be skipped (one is always tried).",
          0,
          H.maxEjectionPercent,
          100,
        ),
        cooldown: boolean(
          'Skip an upstream that answered 429 or 503 with Retry-After until then.',
          H.cooldown,
        ),
        cooldownScope: oneOf(
          "Where a 429's cooldown applies (a 503 cools the upstream).",
          ['model', 'upstream'],
          H.cooldownScope,
        ),
        maxCooldownMs: integer('Longest cooldown, whatever Retry-After says.', 0, H.maxCooldownMs),
        balance: oneOf('Order of equal candidates in a tier.', ['weighted', 'p2c-ewma'], H.balance),
        ewmaDecayMs: integer("Decay time of the peak-EWMA latency 'p2c-ewma' reads.", 1, H.ewmaDecayMs),
        activeCheck: {
          anyOf: [
            { type: 'boolean' },
            object({
              intervalMs: integer('Time between two checks of one upstream.', 1, H.activeCheck.intervalMs),
              timeoutMs: integer(
                'A check without a response within this is a failure.',
                1,
                H.activeCheck.timeoutMs,
              ),
              path: { ...path('Path to GET.'), 'x-default': "each upstream's warmupPath" },
            }),
          ],
          description: 'GET each upstream every intervalMs, ejecting and restoring on the result.',
          'x-type': 'object, true or false',
          'x-default': 'off',
        },
      }),
    ],
    description: 'Upstream health: outlier ejection, cooldowns, balancing, active checks (guide/resilience).',
    'x-type': 'object, true or false',
    'x-default': 'on',
  },
  prefix: path('The path prefix Velox answers.', DEFAULTS.prefix),
  maxBodyBytes: {
    ...integer('Largest request body accepted (413 above).', 1, DEFAULTS.maxBodyBytes),
    'x-type': 'integer >= 1 (bytes)',
  },
  timeouts: object({
    connectMs: integer('TCP + TLS connect to the upstream (0: none).', 0, T.connectMs),
    headersMs: integer("From sending the request to the upstream's response headers.", 0, T.headersMs),
    bodyIdleMs: integer("Longest silence between two chunks of the upstream's body.", 0, T.bodyIdleMs),
    clientBodyMs: integer('Time the client has to send its whole body (408 after).', 0, T.clientBodyMs),
    totalMs: integer('All attempts of one request together (0: no limit).', 0, T.totalMs),
  }),
  limit: {
    anyOf: [
      { type: 'boolean' },
      object({
        ...limitValues,
        rpm: { ...limitValues.rpm, 'x-env': 'VELOX_RATE_LIMIT_RPM' },
        burst: { ...limitValues.burst, 'x-env': 'VELOX_RATE_LIMIT_BURST' },
        key: code(
          "The caller's key (default: a hash of the API key, else the IP).",
          '`(req) => string | undefined`',
        ),
        estimateTokens: code('Tokens to reserve for a request.', '`(req, input) => number`'),
        overrides: {
          type: 'array',
          description: 'Limits for some models or paths; first match wins.',
          items: object({
            model: string('A model name or glob.'),
            path: string('A path after the prefix, or a glob.'),
            ...limitValues,
          }),
          'x-type': '`{ model?, path?, rpm?, burst?, tpm?, tokenBurst? }[]`',
          'x-default': 'none',
        },
        maxWaitMs: integer(
          'Longest wait in the admission queue (0: answer 429 at once).',
          0,
          L.maxWaitMs,
          3_600_000,
        ),
        queueDepth: integer('Requests that may wait at once (503 beyond).', 1, L.queueDepth, 2 ** 20),
        maxKeys: integer('Keys the in-process table holds.', 1, L.maxKeys, 2 ** 24),
        store: object(
          {
            buffer: code(
              'A SharedArrayBuffer from createLimitBuffer(), shared by worker_threads.',
              'SharedArrayBuffer',
            ),
            redis: {
              type: ['string', 'object'],
              description: 'A redis:// URL, ioredis options, or an ioredis client (in code).',
            },
            prefix: string('Prefix of every key the limiter writes.', L.store.prefix),
            timeoutMs: integer(
              'Longest wait for one Redis call before it counts as an outage.',
              1,
              L.store.timeoutMs,
              60_000,
            ),
          },
          'Where the buckets live: this process (default), a shared buffer, or Redis.',
        ),
        failClosed: boolean('When the store is unreachable: answer 503 instead of admitting.', L.failClosed),
      }),
    ],
    description: 'Per-caller rate limits: true for the defaults, an object for your own.',
    'x-type': 'object, true or false',
    'x-default': 'off',
  },
  models: {
    type: 'array',
    items: { type: 'string' },
    description: 'Model names or globs accepted; others get 404.',
    'x-type': 'string[] (globs with *)',
    'x-default': 'every model',
  },
  parser: oneOf('What reads the request fields.', ['scanner', 'simdjson'], DEFAULTS.parser),
  offload: {
    anyOf: [
      { const: false },
      object({
        thresholdBytes: integer(
          'Bodies this large or larger are scanned on a worker thread.',
          4096,
          DEFAULTS.offload.thresholdBytes,
        ),
      }),
    ],
    description: 'Scan large bodies on a worker thread; false: never.',
    'x-type': 'false or an object',
    'x-default': 'on',
  },
  usage: object({
    ensure: boolean(
      'Splice stream_options.include_usage into streamed chats that did not ask, and strip the extra chunk.',
      undefined,
      { 'x-default': 'on with limit.tpm, budget, pricing, or a usage reader (listener, metrics)' },
    ),
  }),
  pricing: {
    type: 'object',
    description: 'Prices per million tokens by model name or glob; a model without one has no cost.',
    additionalProperties: object({
      input: number('Input tokens not read from or written to a prompt cache.'),
      cachedInput: number('Input tokens read from a prompt cache (default: input).'),
      cacheWrite: number('Input tokens written to a prompt cache (default: input).'),
      output: number('Output tokens, reasoning included.'),
    }),
    'x-type': '`Record<model glob, { input, cachedInput?, cacheWrite?, output }>`',
    'x-default': 'none (no cost)',
  },
  budget: object(
    {
      amount: { ...number('Amount per key per period, in the unit of pricing.'), 'x-default': 'none' },
      period: {
        type: ['string', 'object'],
        description: "'day' or 'month' (reset at midnight UTC), or { ms } from the epoch.",
        properties: { ms: integer('Length of a period.', 1) },
        additionalProperties: false,
        'x-type': "`'day'` | `'month'` | `{ ms }`",
        'x-default': 'none',
      },
      key: code('The key budgets are kept by (default: the limit key).', '`(req) => string | undefined`'),
      groups: code(
        'A second level: the group (team) of a key, with its own amount (and period); spend counts once at each level.',
        '`{ of: (key) => string | undefined, amount: number | (group) => number | undefined, period? }`',
      ),
      defaultMaxTokens: integer('Output tokens assumed when a request sets no max.', 1, B.defaultMaxTokens),
      maxKeys: integer('Key and group levels the in-process table holds.', 1, B.maxKeys, 2 ** 24),
      store: object({
        buffer: code(
          'A SharedArrayBuffer from createBudgetBuffer(), shared by worker_threads.',
          'SharedArrayBuffer',
        ),
        redis: {
          type: ['string', 'object'],
          description: 'A redis:// URL, ioredis options, or an ioredis client.',
        },
        prefix: string('Prefix of every key the budgets write.', B.store.prefix),
        timeoutMs: integer('Longest wait for one Redis call.', 1, B.store.timeoutMs, 60_000),
      }),
      failClosed: boolean('When the store is unreachable: answer 503 instead of admitting.', B.failClosed),
      now: code('The clock, in Unix ms (for tests).', '`() => number`'),
    },
    'Spending limits per caller key and per group, per period.',
  ),
  cache: object(
    {
      ttlMs: { ...integer('How long an answer is replayed.', 1), 'x-default': 'none (required)' },
      maxBytes: integer('Bytes the in-process store holds.', 1, C.maxBytes),
      maxEntryBytes: { ...integer('Largest answer stored.', 1), 'x-default': 'maxBytes / 8' },
      store: {
        anyOf: [
          { type: 'string', enum: ['memory'] },
          object({
            redis: {
              type: ['string', 'object'],
              description: 'A redis:// URL, ioredis options, or an ioredis client.',
            },
            prefix: string('Prefix of every key the cache writes.', C.store.prefix),
            timeoutMs: integer(
              'Longest wait for one Redis call (then a miss).',
              1,
              C.store.timeoutMs,
              60_000,
            ),
          }),
        ],
        description: "'memory' (this process), or { redis } for a fleet.",
        'x-type': "`'memory'` or `{ redis, prefix?, timeoutMs? }`",
        'x-default': "`'memory'`",
      },
      scope: code('Who may see whose answers (default: the limit key).', '`(req) => string | undefined`'),
      models: {
        type: 'array',
        items: { type: 'string' },
        description: 'Model names or globs whose requests are cached.',
        'x-type': 'string[] (globs with *)',
        'x-default': 'every model',
      },
      when: oneOf("'always', or only requests sending x-velox-cache: use.", ['always', 'header'], C.when),
    },
    'A response cache, opt-in.',
  ),
  logger: code('A pino-compatible logger.', 'pino-compatible'),
  sidecar: {
    anyOf: [
      { const: false },
      object({
        host: string('Interface to bind; anything but loopback requires token.', S.host, {
          'x-type': 'host name or IP',
        }),
        port: integer('TCP port (0: any free port).', 0, S.port, 65_535),
        token: string('When set, every request needs Authorization: Bearer <token>; required off loopback.'),
        profiling: boolean('Serve /debug/pprof/profile and /debug/pprof/heap.', S.profiling),
        metrics: boolean('Serve /metrics.', S.metrics),
        sampleIntervalMs: integer(
          'How often the main thread samples event-loop delay, memory and pools.',
          10,
          S.sampleIntervalMs,
        ),
      }),
    ],
    description: 'The sidecar thread serving pprof and Prometheus metrics.',
    'x-type': 'object or false',
    'x-default': 'none',
  },
  onUsage: code('Called once per finished request with its tokens.', '`(event: UsageEvent) => void`'),
  tracing: {
    anyOf: [
      { type: 'boolean' },
      object({
        tracer: code("An OpenTelemetry Tracer (default: the global provider's).", 'OpenTelemetry `Tracer`'),
        meter: code("An OpenTelemetry Meter (default: the global provider's).", 'OpenTelemetry `Meter`'),
        captureContent: boolean(
          'Record request messages and response text on the span.',
          DEFAULTS.tracing.captureContent,
        ),
        propagate: boolean('Send traceparent (and tracestate) to the upstream.', DEFAULTS.tracing.propagate),
      }),
    ],
    description: 'OpenTelemetry GenAI spans and metrics: true, or an object; needs @opentelemetry/api.',
    'x-type': 'boolean or an object',
    'x-default': 'off',
  },
  translate: object(
    {
      defaultMaxTokens: integer(
        'max_tokens sent to an Anthropic upstream when a chat request sets none.',
        1,
        DEFAULTS.translate.defaultMaxTokens,
      ),
      ignoreFields: {
        type: 'array',
        items: { type: 'string' },
        default: DEFAULTS.translate.ignoreFields,
        'x-default': 'none (every such field is refused)',
        description: 'Request fields the other API cannot honour, dropped instead of refused with a 400.',
      },
    },
    'Translation between the OpenAI and Anthropic formats (guide/providers).',
  ),
})
