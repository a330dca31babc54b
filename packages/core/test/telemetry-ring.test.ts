/**
 * The telemetry hand-off without the thread: the main-thread writer and the worker's reader over
 * one RingQueue and one MessageChannel, in this thread, so every number can be checked exactly.
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { RingQueue } from '../src/queue/ring-queue.js'
import { SidecarMetrics } from '../src/sidecar/metrics.js'
import { TelemetryReader } from '../src/sidecar/telemetry-reader.js'
import type { ExchangeRecord } from '../src/telemetry/exchange-record.js'
import { LABEL_CAPS, LabelInterner } from '../src/telemetry/label-interner.js'
import { TELEMETRY_RECORD_INT32S } from '../src/telemetry/record-layout.js'
import { TelemetryWriter } from '../src/telemetry/telemetry-writer.js'
import { parseExposition, sampleValue, series } from './helpers/prometheus.js'

function pipeline(capacity: number) {
  const ring = RingQueue.create(capacity, TELEMETRY_RECORD_INT32S)
  const { port1, port2 } = new MessageChannel()
  const posted: Array<[number, string]> = []
  const labels = new LabelInterner((id, value) => {
    posted.push([id, value])
    port1.postMessage([id, value])
  })
  const writer = new TelemetryWriter(ring, labels)
  const metrics = new SidecarMetrics(() => ring.dropped())
  const reader = new TelemetryReader(ring, port2, metrics)
  const scrape = async () => parseExposition(await metrics.registry.metrics())
  const close = () => {
    port1.close()
    port2.close()
  }
  return { ring, writer, reader, metrics, posted, scrape, close }
}

function record(overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    method: 'POST',
    path: '/chat/completions',
    model: 'gpt-4o',
    stream: false,
    status: 200,
    errorCode: undefined,
    key: undefined,
    upstream: 'https://api.openai.com',
    attempts: 1,
    fallbacks: 0,
    clientAborted: false,
    latencyMs: 1500,
    ttfbMs: 400,
    ttftMs: 450,
    inputTokens: 12,
    outputTokens: 30,
    cachedInputTokens: undefined,
    cacheWriteTokens: undefined,
    reasoningTokens: undefined,
    cost: undefined,
    cached: false,
    ...overrides,
  }
}

describe('telemetry records from the writer to the metrics', () => {
  it('carries every field of an exchange record', async () => {
    const p = pipeline(16)
    p.writer.exchange(record({ stream: true, latencyMs: 2750.5, ttftMs: 300.25 }))
    expect(p.reader.drain()).toBe(1)
    const m = await p.scrape()
    const labels = { route: '/chat/completions', model: 'gpt-4o', upstream: 'https://api.openai.com' }
    expect(series(m, 'velox_requests_total')).toEqual([
      { labels: { ...labels, method: 'POST', status: '200' }, value: 1 },
    ])
    expect(sampleValue(m, 'velox_request_duration_seconds_sum', labels)).toBe(2.7505)
    expect(sampleValue(m, 'velox_request_duration_seconds_bucket', { ...labels, le: '2.5' })).toBe(0)
    expect(sampleValue(m, 'velox_request_duration_seconds_bucket', { ...labels, le: '5' })).toBe(1)
    expect(sampleValue(m, 'velox_time_to_first_token_seconds_sum', { ...labels, stream: 'true' })).toBe(
      0.30025,
    )
    expect(series(m, 'velox_tokens_total')).toEqual([
      { labels: { model: 'gpt-4o', type: 'input' }, value: 12 },
      { labels: { model: 'gpt-4o', type: 'output' }, value: 30 },
    ])
    p.close()
  })

  it('counts retries as attempts after the first, and fallbacks', async () => {
    const p = pipeline(16)
    p.writer.exchange(record({ attempts: 3 }))
    p.writer.exchange(record({ attempts: 2, fallbacks: 1 }))
    p.writer.exchange(record({ attempts: 1 }))
    p.reader.drain()
    const m = await p.scrape()
    const upstream = { upstream: 'https://api.openai.com' }
    expect(sampleValue(m, 'velox_upstream_attempts_total', upstream)).toBe(6)
    expect(sampleValue(m, 'velox_upstream_retries_total', upstream)).toBe(3)
    expect(sampleValue(m, 'velox_upstream_fallbacks_total', upstream)).toBe(1)
    p.close()
  })

  it('leaves out what is unknown: no first byte, no usage, no upstream', async () => {
    const p = pipeline(16)
    p.writer.exchange(
      record({
        path: '/embeddings',
        model: undefined,
        upstream: '',
        attempts: 0,
        status: 400,
        errorCode: 'VELOX_ERR_INVALID_JSON',
        ttftMs: undefined,
        inputTokens: undefined,
        outputTokens: undefined,
      }),
    )
    p.reader.drain()
    const m = await p.scrape()
    expect(series(m, 'velox_requests_total')).toEqual([
      { labels: { route: '/embeddings', method: 'POST', model: '', upstream: '', status: '400' }, value: 1 },
    ])
    expect(series(m, 'velox_gateway_errors_total')).toEqual([
      { labels: { code: 'VELOX_ERR_INVALID_JSON' }, value: 1 },
    ])
    expect(series(m, 'velox_time_to_first_token_seconds_count')).toEqual([])
    expect(series(m, 'velox_tokens_total')).toEqual([])
    expect(series(m, 'velox_upstream_attempts_total')).toEqual([])
    p.close()
  })

  it('drops records when the ring is full, and counts them', async () => {
    const p = pipeline(4)
    for (let i = 0; i < 7; i++) p.writer.exchange(record())
    p.writer.limitDecision('admitted') // dropped too
    expect(p.reader.drain()).toBe(4)
    const m = await p.scrape()
    expect(sampleValue(m, 'velox_telemetry_dropped_total')).toBe(4)
    expect(series(m, 'velox_requests_total').map((s) => s.value)).toEqual([4])
    // A counter: later scrapes add only what was dropped since.
    p.writer.queueDepth(3)
    p.writer.queueDepth(5)
    p.writer.limitDecision('queued', 7) // a sample of the limiter's counts carries several at once
    p.reader.drain()
    const again = await p.scrape()
    expect(sampleValue(again, 'velox_telemetry_dropped_total')).toBe(4)
    expect(sampleValue(again, 'velox_limit_queue_depth')).toBe(5)
    expect(series(again, 'velox_limit_decisions_total')).toEqual([
      { labels: { decision: 'queued' }, value: 7 },
    ])
    p.close()
  })

  it('reads a label posted after the drain pulled labels, when its record is published before the drain ends', async () => {
    // Regression: the main thread runs while the worker drains; a record published after the
    // drain's label pass used a label the worker did not have yet, and was counted as "other".
    const p = pipeline(16)
    const peek = p.ring.peek.bind(p.ring)
    let raced = false
    p.ring.peek = () => {
      if (!raced) {
        raced = true
        p.writer.exchange(record({ model: 'late-model', upstream: 'late-upstream' }))
      }
      return peek()
    }
    expect(p.reader.drain()).toBe(1)
    const m = await p.scrape()
    expect(series(m, 'velox_requests_total').map((s) => [s.labels.model, s.labels.upstream])).toEqual([
      ['late-model', 'late-upstream'],
    ])
    p.close()
  })

  it('sends each label string once, and collapses models past the cap into "other"', async () => {
    const p = pipeline(512)
    for (let i = 0; i < LABEL_CAPS.model + 5; i++) p.writer.exchange(record({ model: `model-${i}` }))
    p.writer.exchange(record({ model: 'model-0' }))
    p.writer.exchange(record({ model: 'x'.repeat(201) }))
    p.reader.drain()
    const m = await p.scrape()
    const byModel = new Map(series(m, 'velox_requests_total').map((s) => [s.labels.model, s.value]))
    expect(byModel.size).toBe(LABEL_CAPS.model + 1)
    expect(byModel.get('model-0')).toBe(2)
    expect(byModel.get(`model-${LABEL_CAPS.model - 1}`)).toBe(1)
    expect(byModel.get(`model-${LABEL_CAPS.model}`)).toBeUndefined()
    expect(byModel.get('other')).toBe(6)
    // Route, upstream and the first 100 models: each posted once.
    const values = p.posted.map(([, v]) => v)
    expect(values.length).toBe(new Set(values).size)
    expect(values.filter((v) => v.startsWith('model-'))).toHaveLength(LABEL_CAPS.model)
    p.close()
  })

  it('normalises routes with ids, and refuses unknown paths a label of their own', async () => {
    const p = pipeline(16)
    for (const path of ['/files/file-abc', '/files/file-def/content', '/models/gpt-4o', '/wp-admin/x', '']) {
      p.writer.exchange(record({ method: 'GET', path, model: undefined }))
    }
    p.writer.exchange(record({ method: 'BREW', path: '/responses' }))
    p.reader.drain()
    const m = await p.scrape()
    expect(series(m, 'velox_requests_total').map((s) => [s.labels.method, s.labels.route, s.value])).toEqual([
      ['GET', '/', 1],
      ['GET', '/files/:id', 1],
      ['GET', '/files/:id/content', 1],
      ['GET', '/models/:id', 1],
      ['other', '/responses', 1],
      ['GET', 'other', 1],
    ])
    p.close()
  })

  it('carries samples of the main thread: event-loop delay, memory, pools', async () => {
    const p = pipeline(16)
    p.writer.eventLoop({
      min: 1_000,
      max: 250_000_000,
      mean: 2_000_000,
      p50: 1_500_000,
      p90: 5_000_000,
      p99: 90_000_000,
    })
    p.writer.memory({
      rss: 200 * 1024 * 1024,
      heapTotal: 64 * 1024 * 1024,
      heapUsed: 40 * 1024 * 1024,
      external: 2048,
      arrayBuffers: 0,
    })
    p.writer.pool({ name: 'openai', connected: 4, free: 1, pending: 2, running: 3 })
    p.reader.drain()
    const m = await p.scrape()
    expect(series(m, 'velox_main_eventloop_delay_seconds')).toEqual([
      { labels: { stat: 'max' }, value: 0.25 },
      { labels: { stat: 'mean' }, value: 0.002 },
      { labels: { stat: 'min' }, value: 0.000001 },
      { labels: { stat: 'p50' }, value: 0.0015 },
      { labels: { stat: 'p90' }, value: 0.005 },
      { labels: { stat: 'p99' }, value: 0.09 },
    ])
    expect(series(m, 'velox_main_memory_bytes')).toEqual([
      { labels: { type: 'external' }, value: 2048 },
      { labels: { type: 'heap_total' }, value: 64 * 1024 * 1024 },
      { labels: { type: 'heap_used' }, value: 40 * 1024 * 1024 },
      { labels: { type: 'rss' }, value: 200 * 1024 * 1024 },
    ])
    const upstream = 'openai'
    expect(series(m, 'velox_upstream_pool_connections')).toEqual([
      { labels: { upstream, state: 'connected' }, value: 4 },
      { labels: { upstream, state: 'free' }, value: 1 },
    ])
    expect(series(m, 'velox_upstream_pool_requests')).toEqual([
      { labels: { upstream, state: 'pending' }, value: 2 },
      { labels: { upstream, state: 'running' }, value: 3 },
    ])
    p.close()
  })
})
