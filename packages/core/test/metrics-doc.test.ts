import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LLM_BUCKETS, SidecarMetrics } from '../src/sidecar/metrics.js'

describe('the metrics table in docs/guide/observability.md', () => {
  it('lists every metric the sidecar serves, with its type and labels, row for row', async () => {
    const doc = readFileSync(new URL('../../../docs/guide/observability.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\|\s*`(velox_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|/gm)].map(
      ([, name, type, labels]) => ({
        name,
        type,
        labels: [...labels!.matchAll(/`(\w+)`/g)].map((m) => m[1]),
      }),
    )
    const metrics = new SidecarMetrics(() => 0)
    const served = await Promise.all(
      metrics.registry.getMetricsAsArray().map(async (object) => {
        // Every prom-client metric has these; the registry's type only promises a name.
        const metric = object as unknown as {
          name: string
          labelNames: string[]
          get(): Promise<{ type: string }>
        }
        return { name: metric.name, type: (await metric.get()).type, labels: metric.labelNames }
      }),
    )
    expect(rows).toEqual(served)
    expect(doc).toContain(`Histogram buckets, in seconds, suit LLM calls: ${LLM_BUCKETS.join(', ')}.`)
  })
})
