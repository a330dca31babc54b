import { postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { recordLimitDecision, recordQueueDepth } from '../src/index.js'
import { type Exposition, parseExposition, sampleValue, series } from './helpers/prometheus.js'
import { type SidecarFixture, startSidecarFixture } from './helpers/sidecar-fixture.js'

async function scrape(url: string): Promise<Exposition> {
  const res = await send(`${url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parseExposition(res.body.toString())
}

describe('GET /metrics on the sidecar', () => {
  let f: SidecarFixture
  let up: string
  const tokens = new Map<string, { input: number; output: number }>()
  const addTokens = (model: string, input: number, output: number) => {
    const t = tokens.get(model) ?? { input: 0, output: 0 }
    tokens.set(model, { input: t.input + input, output: t.output + output })
  }

  beforeAll(async () => {
    f = await startSidecarFixture({
      models: ['gpt-4o*', 'text-embedding-*'],
      retry: { attempts: 2, baseDelayMs: 0 }, // the forced 500 below is retried once
      sidecar: { sampleIntervalMs: 20 },
    })
    up = 'default' // the upstream's name: records and metrics label upstreams by name
    const v1 = `${f.app}/v1`
    for (const text of ['one', 'two words', 'three words here']) {
      const res = await postJson(`${v1}/chat/completions`, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: text }],
      })
      expect(res.status).toBe(200)
      const { usage } = JSON.parse(res.body.toString())
      addTokens('gpt-4o-mini', usage.prompt_tokens, usage.completion_tokens)
    }
    for (const text of ['stream me', 'and me too']) {
      const res = await postJson(`${v1}/chat/completions`, {
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: text }],
      })
      expect(res.status).toBe(200)
      const { usage } = JSON.parse(res.body.toString().split('\n\n').at(-3)!.slice(6))
      addTokens('gpt-4o', usage.prompt_tokens, usage.completion_tokens)
    }
    const embedding = await postJson(`${v1}/embeddings`, {
      model: 'text-embedding-3-small',
      input: 'embed this',
    })
    expect(embedding.status).toBe(200)
    addTokens('text-embedding-3-small', JSON.parse(embedding.body.toString()).usage.prompt_tokens, 0)
    expect((await send(`${v1}/models`)).status).toBe(200)
    expect((await send(`${v1}/models`)).status).toBe(200)
    expect((await send(`${v1}/models/gpt-4o`)).status).toBe(200)
    const failed = await postJson(
      `${v1}/chat/completions`,
      { model: 'gpt-4o-mini', messages: [] },
      { 'x-mock-status': '500' },
    )
    expect(failed.status).toBe(500)
    expect((await postJson(`${v1}/chat/completions`, { messages: [] })).status).toBe(400)
    expect((await postJson(`${v1}/chat/completions`, { model: 'llama', messages: [] })).status).toBe(404)
  })
  afterAll(() => f.close())

  it('counts every request by route, method, model, upstream and status, exactly', async () => {
    const m = await scrape(f.sidecar)
    const chat = { route: '/chat/completions', method: 'POST' }
    expect(series(m, 'velox_requests_total')).toEqual(
      [
        { labels: { ...chat, model: 'gpt-4o-mini', upstream: up, status: '200' }, value: 3 },
        { labels: { ...chat, model: 'gpt-4o', upstream: up, status: '200' }, value: 2 },
        {
          labels: {
            route: '/embeddings',
            method: 'POST',
            model: 'text-embedding-3-small',
            upstream: up,
            status: '200',
          },
          value: 1,
        },
        { labels: { route: '/models', method: 'GET', model: '', upstream: up, status: '200' }, value: 2 },
        { labels: { route: '/models/:id', method: 'GET', model: '', upstream: up, status: '200' }, value: 1 },
        { labels: { ...chat, model: 'gpt-4o-mini', upstream: up, status: '500' }, value: 1 },
        { labels: { ...chat, model: '', upstream: '', status: '400' }, value: 1 },
        { labels: { ...chat, model: 'llama', upstream: '', status: '404' }, value: 1 },
      ].sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels))),
    )
    expect(series(m, 'velox_gateway_errors_total')).toEqual([
      { labels: { code: 'VELOX_ERR_MISSING_MODEL' }, value: 1 },
      { labels: { code: 'VELOX_ERR_MODEL_NOT_FOUND' }, value: 1 },
    ])
    // 10 requests reached the upstream; the 500 was tried twice.
    expect(series(m, 'velox_upstream_attempts_total')).toEqual([{ labels: { upstream: up }, value: 11 }])
    expect(series(m, 'velox_upstream_retries_total')).toEqual([{ labels: { upstream: up }, value: 1 }])
    expect(series(m, 'velox_upstream_fallbacks_total')).toEqual([])
    expect(series(m, 'velox_client_aborts_total')).toEqual([])
    expect(sampleValue(m, 'velox_telemetry_dropped_total')).toBe(0)
  })

  it('counts the tokens the mock reported, by model, exactly', async () => {
    const m = await scrape(f.sidecar)
    const expected = [...tokens].flatMap(([model, t]) => [
      { labels: { model, type: 'input' }, value: t.input },
      ...(t.output > 0 ? [{ labels: { model, type: 'output' }, value: t.output }] : []),
    ])
    expect(series(m, 'velox_tokens_total')).toEqual(
      expected.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels))),
    )
    expect(expected.every((e) => e.value > 0)).toBe(true)
  })

  it('observes latency and time to first token in LLM-sized buckets', async () => {
    const m = await scrape(f.sidecar)
    const mini = { route: '/chat/completions', model: 'gpt-4o-mini', upstream: up }
    expect(sampleValue(m, 'velox_request_duration_seconds_count', mini)).toBe(4)
    expect(sampleValue(m, 'velox_request_duration_seconds_bucket', { ...mini, le: '+Inf' })).toBe(4)
    expect(
      m.samples
        .filter((s) => s.name === 'velox_request_duration_seconds_bucket' && s.labels.model === 'gpt-4o-mini')
        .map((s) => s.labels.le),
    ).toEqual(['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '20', '30', '60', '120', '+Inf'])
    expect(
      sampleValue(m, 'velox_request_duration_seconds_count', {
        route: '/chat/completions',
        model: '',
        upstream: '',
      }),
    ).toBe(1)
    expect(
      sampleValue(m, 'velox_time_to_first_token_seconds_count', {
        route: '/chat/completions',
        model: 'gpt-4o',
        upstream: up,
        stream: 'true',
      }),
    ).toBe(2)
    expect(sampleValue(m, 'velox_time_to_first_token_seconds_count', { ...mini, stream: 'false' })).toBe(4)
    // Refused by the gateway: no body from an upstream, so no time to first token.
    expect(
      m.samples.some((s) => s.name.startsWith('velox_time_to_first_token') && s.labels.upstream === ''),
    ).toBe(false)
  })

  it('reports the main thread: event-loop delay, memory, and the upstream pool', async () => {
    await vi.waitFor(async () => {
      const m = await scrape(f.sidecar)
      expect(series(m, 'velox_main_eventloop_delay_seconds').map((s) => s.labels.stat)).toEqual([
        'max',
        'mean',
        'min',
        'p50',
        'p90',
        'p99',
      ])
    })
    const m = await scrape(f.sidecar)
    expect(series(m, 'velox_main_memory_bytes').map((s) => s.labels.type)).toEqual([
      'external',
      'heap_total',
      'heap_used',
      'rss',
    ])
    expect(sampleValue(m, 'velox_main_memory_bytes', { type: 'heap_used' })).toBeGreaterThan(0)
    expect(series(m, 'velox_upstream_pool_connections').map((s) => s.labels)).toEqual([
      { upstream: up, state: 'connected' },
      { upstream: up, state: 'free' },
    ])
    expect(series(m, 'velox_upstream_pool_requests').map((s) => s.labels)).toEqual([
      { upstream: up, state: 'pending' },
      { upstream: up, state: 'running' },
    ])
    expect(m.types.get('velox_main_eventloop_delay_seconds')).toBe('gauge')
  })

  it('counts decisions and shows a queue depth reported through recordLimitDecision and recordQueueDepth', async () => {
    for (const d of [
      'admitted',
      'admitted',
      'admitted',
      'queued',
      'rejected_429',
      'rejected_429',
      'rejected_503',
    ] as const) {
      recordLimitDecision(f.gateway, d, 'user-1')
    }
    recordQueueDepth(f.gateway, 4)
    recordQueueDepth(f.gateway, 2)
    const m = await scrape(f.sidecar)
    expect(series(m, 'velox_limit_decisions_total')).toEqual([
      { labels: { decision: 'admitted' }, value: 3 },
      { labels: { decision: 'queued' }, value: 1 },
      { labels: { decision: 'rejected_429' }, value: 2 },
      { labels: { decision: 'rejected_503' }, value: 1 },
    ])
    expect(sampleValue(m, 'velox_limit_queue_depth')).toBe(2)
  })

  it('declares every family once, with HELP and TYPE', async () => {
    const m = await scrape(f.sidecar)
    expect([...m.types.keys()].every((name) => name.startsWith('velox_') && m.help.has(name))).toBe(true)
    expect(m.types.get('velox_requests_total')).toBe('counter')
    expect(m.types.get('velox_request_duration_seconds')).toBe('histogram')
  })
})

describe("the built-in rate limiter's decisions", () => {
  it('are read from its own counts: admitted, queued, and 429s, exactly', async () => {
    // A burst of 2 and no waiting: of 5 requests from one caller, 2 pass and 3 get 429.
    const f = await startSidecarFixture({
      limit: { rpm: 1, burst: 2, maxWaitMs: 0 },
      sidecar: { sampleIntervalMs: 20 },
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) statuses.push((await send(`${f.app}/v1/models`)).status)
      expect(statuses).toEqual([200, 200, 429, 429, 429])
      await vi.waitFor(async () => {
        const m = await scrape(f.sidecar)
        expect(series(m, 'velox_limit_decisions_total')).toEqual([
          { labels: { decision: 'admitted' }, value: 2 },
          { labels: { decision: 'rejected_429' }, value: 3 },
        ])
        expect(sampleValue(m, 'velox_limit_queue_depth')).toBe(0)
      })
      const m = await scrape(f.sidecar)
      expect(sampleValue(m, 'velox_gateway_errors_total', { code: 'VELOX_ERR_RATE_LIMITED' })).toBe(3)
    } finally {
      await f.close()
    }
  })
})

describe('metrics telemetry before the sidecar has loaded', () => {
  it('keeps what arrives between creation and ready(), and counts it after', async () => {
    const { createGateway } = await import('../src/index.js')
    const gateway = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, sidecar: { port: 0 } })
    try {
      recordLimitDecision(gateway, 'admitted') // synchronously after creation: the module is still loading
      expect(gateway.sidecar!.url).toBeUndefined()
      await gateway.ready()
      const m = await scrape(gateway.sidecar!.url!)
      expect(series(m, 'velox_limit_decisions_total')).toEqual([
        { labels: { decision: 'admitted' }, value: 1 },
      ])
    } finally {
      await gateway.close()
    }
  })
})
