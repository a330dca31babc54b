/**
 * Health samples from the main thread's writer to the sidecar's metrics, over one RingQueue in
 * this thread: the ejected gauge as sampled, the two counters by what grew between samples.
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

describe('health metrics', () => {
  it('sets velox_upstream_ejected and counts ejections and cooldowns from sampled totals', async () => {
    const ring = RingQueue.create(16, TELEMETRY_RECORD_INT32S)
    const { port1, port2 } = new MessageChannel()
    const writer = new TelemetryWriter(ring, new LabelInterner((id, value) => port1.postMessage([id, value])))
    const metrics = new SidecarMetrics(() => ring.dropped())
    const reader = new TelemetryReader(ring, port2, metrics)
    const pool = { connected: 1, free: 1, pending: 0, running: 0 }
    writer.pool({ name: 'a', ...pool, health: { state: 'ejected', ejections: 1, cooldowns: 2 } })
    writer.pool({ name: 'b', ...pool, health: { state: 'healthy', ejections: 0, cooldowns: 0 } })
    writer.pool({ name: 'c', ...pool, health: null })
    reader.drain()
    writer.pool({ name: 'a', ...pool, health: { state: 'half-open', ejections: 3, cooldowns: 2 } })
    reader.drain()
    let m = parseExposition(await metrics.registry.metrics())
    expect(series(m, 'velox_upstream_ejected')).toEqual([
      { labels: { upstream: 'a' }, value: 1 },
      { labels: { upstream: 'b' }, value: 0 },
    ])
    expect(series(m, 'velox_upstream_ejections_total')).toEqual([{ labels: { upstream: 'a' }, value: 3 }])
    expect(series(m, 'velox_upstream_cooldowns_total')).toEqual([{ labels: { upstream: 'a' }, value: 2 }])
    writer.pool({ name: 'a', ...pool, health: { state: 'healthy', ejections: 3, cooldowns: 2 } })
    reader.drain()
    m = parseExposition(await metrics.registry.metrics())
    expect(series(m, 'velox_upstream_ejected')).toEqual([
      { labels: { upstream: 'a' }, value: 0 },
      { labels: { upstream: 'b' }, value: 0 },
    ])
    expect(series(m, 'velox_upstream_ejections_total')).toEqual([{ labels: { upstream: 'a' }, value: 3 }])
    port1.close()
    port2.close()
  })
})
