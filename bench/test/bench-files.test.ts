// Every benchmark file loads and exports its runner (the benchmarks themselves are too slow and
// too noisy for CI: `pnpm bench` runs them).
import { describe, expect, it } from 'vitest'

describe('bench files', () => {
  it.each([
    ['../ingress/buffer-pool.js', 'benchBufferPool'],
    ['../json/extract-fields.js', 'benchExtractFields'],
    ['../queue/ring-queue.js', 'benchRingQueue'],
    ['../node/ingress-task.js', 'benchIngressTask'],
    ['../node/proxy-load.js', 'benchProxyLoad'],
    ['../node/proxy-tracing.js', 'benchTracingCost'],
    ['../node/profile-load.js', 'benchProfileLoad'],
    ['../node/offload.js', 'benchOffloadCost'],
    ['../node/offload.js', 'benchOffloadUnderLoad'],
    ['../translate/translate.js', 'benchTranslate'],
    ['../translate/translate-load.js', 'benchTranslateLoad'],
  ])('%s exports %s', async (path, name) => {
    const module = (await import(path)) as Record<string, unknown>
    expect(typeof module[name]).toBe('function')
  })
})
