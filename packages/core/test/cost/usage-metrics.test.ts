/**
 * Usage detail and cost from the main-thread writer to the sidecar's metrics, over one ring in
 * this thread (as telemetry-ring.test.ts does for exchange records).
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { RingQueue } from '../../src/queue/ring-queue.js'
import { SidecarMetrics } from '../../src/sidecar/metrics.js'
import { TelemetryReader } from '../../src/sidecar/telemetry-reader.js'
import { LabelInterner } from '../../src/telemetry/label-interner.js'
import { TELEMETRY_RECORD_INT32S } from '../../src/telemetry/record-layout.js'
import { TelemetryWriter } from '../../src/telemetry/telemetry-writer.js'
import { parseExposition, series } from '../helpers/prometheus.js'

describe('velox_tokens_total by type and velox_cost_total', () => {
  it('carries cached, cache-write and reasoning tokens and the exact cost', async () => {
    const ring = RingQueue.create(16, TELEMETRY_RECORD_INT32S)
    const { port1, port2 } = new MessageChannel()
    const writer = new TelemetryWriter(ring, new LabelInterner((id, value) => port1.postMessage([id, value])))
    const metrics = new SidecarMetrics(() => ring.dropped())
    const reader = new TelemetryReader(ring, port2, metrics)
    const sample = {
      model: 'claude-3',
      cachedInputTokens: 100,
      cacheWriteTokens: 20,
      reasoningTokens: undefined,
      cached: false,
    }
    writer.usageDetail({ ...sample, cost: 0.000123456789 })
    writer.usageDetail({ ...sample, reasoningTokens: 7, cost: 1.5 })
    writer.usageDetail({ ...sample, model: 'llama', cost: undefined })
    expect(reader.drain()).toBe(3)
    const m = parseExposition(await metrics.registry.metrics())
    expect(series(m, 'velox_tokens_total')).toEqual([
      { labels: { model: 'claude-3', type: 'cache_write' }, value: 40 },
      { labels: { model: 'claude-3', type: 'cached_input' }, value: 200 },
      { labels: { model: 'claude-3', type: 'reasoning' }, value: 7 },
      { labels: { model: 'llama', type: 'cache_write' }, value: 20 },
      { labels: { model: 'llama', type: 'cached_input' }, value: 100 },
    ])
    // No price: no series at all for llama (never a silent zero).
    expect(series(m, 'velox_cost_total')).toEqual([{ labels: { model: 'claude-3' }, value: 1.500123456789 }])
    port1.close()
    port2.close()
  })
})
