/**
 * Every option's default, in one literal. Option resolvers (options.ts and the *-options.ts files
 * beside each feature), the JSON schema (config/schema.ts) and the options reference page
 * (docs/reference/options.md, checked by test/options-doc.test.ts) all read it, so a default is
 * written once. A leaf module: it imports nothing, so any layer may read it.
 *
 * Defaults that depend on other options or the machine (an upstream's pool size is the CPU
 * count; HTTP/2 and warm-up are on for https origins; modelsEndpoint follows routes) are computed
 * by the resolvers and described in the schema's `x-default` texts.
 */
export const DEFAULTS = {
  prefix: '/v1',
  maxBodyBytes: 32 * 1024 * 1024, // 32 MiB: room for base64 images, bounded for memory
  parser: 'scanner', // bench/json/extract-fields.ts: faster than JSON.parse at every size; simdjson slower than both
  // Bodies from 256 KiB are scanned on a worker thread: the size from which bench/node/offload.ts
  // finds, with the SIMD scanner inline and on the worker, that the main thread is held at least
  // twice as long by an inline scan as by the hand-off of an offloaded one, so the time saved is at
  // least what the hand-off costs (offloadPaysFrom(), "The offload pays from" in bench/RESULTS.md;
  // docs/guide/performance.md). Below it a worker round trip costs about what it saves. The Rust
  // gateway's spawn_blocking line, 1 MB, was the default while the scan was JS only.
  offload: { thresholdBytes: 256 * 1024 }, // 256 KiB
  upstream: {
    name: 'default',
    origin: 'https://api.openai.com',
    auth: 'bearer',
    basePath: '/v1',
    weight: 1,
    requestPath: '/v1/responses', // the Rust Velox gateway's VELOX_UPSTREAM_REQUEST_PATH default
    warmupPath: '/v1/models', // the Rust Velox gateway's VELOX_UPSTREAM_WARMUP_PATH default
  },
  retry: {
    attempts: 2, // the first and one retry per upstream, then the next candidate
    statuses: [408, 409, 429, 500, 502, 503, 504, 529], // 529: Anthropic's overloaded
    baseDelayMs: 200, // 200 ms
    maxDelayMs: 5_000, // 5 s
    maxRetryAfterMs: 10_000, // 10 s: a longer Retry-After sends the request to the next candidate
    onTimeout: false, // a hung call is not sent twice: the client waits at most headersMs, and is billed once
    onResetAfterWrite: 'idempotent', // a chat call cut after it was sent may have been billed
  },
  health: {
    consecutiveGatewayFailures: 5, // Envoy's default
    consecutive5xx: 5, // Envoy's default
    baseEjectionMs: 30_000, // 30 s, Envoy's base_ejection_time
    maxEjectionMs: 300_000, // 5 min, Envoy's max_ejection_time
    // A route lists two or three candidates: any lower share would keep a dead one in the list; the
    // selection never skips every candidate anyway (it tries them all when all are out).
    maxEjectionPercent: 100,
    cooldown: true,
    cooldownScope: 'model', // OpenAI and Anthropic rate-limit per model
    maxCooldownMs: 300_000, // 5 min: a daily-quota Retry-After of hours is re-checked, not obeyed blindly
    balance: 'weighted',
    ewmaDecayMs: 10_000, // 10 s, Finagle's and tower's decay
    activeCheck: { intervalMs: 10_000, timeoutMs: 5_000 }, // 10 s, 5 s; off unless asked for
  },
  timeouts: {
    connectMs: 10_000, // 10 s
    headersMs: 600_000, // 10 min: a long non-streamed completion sends headers only at the end (as the openai SDK's default)
    bodyIdleMs: 300_000, // 5 min: reasoning models can think long between stream events
    clientBodyMs: 30_000, // 30 s
    totalMs: 0, // no limit: headersMs and bodyIdleMs bound each attempt
  },
  limit: {
    rpm: 10_000, // the Rust Velox gateway's default
    burst: 500, // the Rust Velox gateway's default
    maxWaitMs: 1_000, // 1 s: rides out a burst (at 10,000 rpm a request refills every 6 ms), then 429
    queueDepth: 16_384, // the Rust gateway's channel depth; a power of two (the ring's length)
    maxKeys: 16_384, // 32,768 slots of 64 B: 2 MiB
    failClosed: false, // a limiter outage should not take the app down
    store: { prefix: 'velox:rl:', timeoutMs: 500 }, // Redis: 500 ms, then the call counts as an outage
  },
  budget: {
    defaultMaxTokens: 4_096, // output tokens assumed for the worst case of a request that sets no max
    maxKeys: 65_536, // key and group levels in the in-process table: 131,072 slots of 16 B, 2 MiB
    failClosed: false, // a budget store outage should not take the app down
    store: { prefix: 'velox:budget:', timeoutMs: 500 }, // Redis: as the limiter's store
  },
  cache: {
    maxBytes: 64 * 1024 * 1024, // 64 MiB of answers in the in-process store
    when: 'always',
    store: { prefix: 'velox:cache:', timeoutMs: 200 }, // Redis: a slower answer is a miss
  },
  translate: {
    defaultMaxTokens: 4096, // tokens: max_tokens for an Anthropic upstream when a chat request sets none
    ignoreFields: [] as readonly string[], // refuse every field the other API cannot honour
  },
  sidecar: {
    host: '127.0.0.1',
    port: 6060, // the Rust Velox gateway's pprof port
    profiling: true,
    metrics: true,
    sampleIntervalMs: 5_000, // 5 s: fresh enough for a 15 s scrape, negligible cost
  },
  tracing: {
    captureContent: false, // message content is user data: recorded only when asked for
    propagate: true, // W3C traceparent to the upstream, so its spans join the trace
  },
} as const
