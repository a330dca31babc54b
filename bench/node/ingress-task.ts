/**
 * The end-to-end ingress task (the Rust Velox gateway's "Arena + simd-json + route resolve vs Heap + serde_json"):
 * from the body's chunks to the upstream candidates for its model.
 * - Velox: a body in one chunk is used as is (several chunks: pool slab + copy), the gateway's
 *   field scanner reads the fields (the SIMD scanner from 512 bytes, the JS one below and where
 *   SIMD is missing, as createGateway sets it up; slabs come from the scanner's WebAssembly arena),
 *   the model is looked up in a Map, and the slab goes back to the pool;
 * - the standard way: Buffer.concat of the chunks, toString, JSON.parse, an object lookup.
 * Both then take one request from the caller's rate-limit bucket (1,000 callers in turn): Velox
 * through the gateway's own in-process store (SharedArrayBuffer table, Atomics), the standard way
 * through a Map of plain counters.
 */
import { createGateway } from '@velox/core'
import { BufferPool, createFieldScanner, gatewayCore } from '@velox/core/internal'
import { chatBody, chunksOf } from '../lib/bodies.js'
import { type GroupResult, keep, runGroup } from '../lib/suite.js'

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'o1', 'o3-mini', 'text-embedding-3-small']
const candidates = (model: string) => [{ origin: 'https://api.openai.com', model }]

export function benchIngressTask(): GroupResult[] {
  const scanner = createFieldScanner()
  const pool = new BufferPool(32 * 1024 * 1024, { arena: scanner.simd?.arena })
  const routes = new Map(MODELS.map((m) => [m, candidates(m)]))
  const routesObject: Record<string, unknown> = Object.fromEntries(MODELS.map((m) => [m, candidates(m)]))
  const body = chatBody(4 * 1024, 8)
  const keys = Array.from({ length: 1_000 }, (_, i) => `caller-${i}`)
  const HUGE = 2 ** 29
  const limiterGateway = createGateway({ limit: { rpm: 600_000_000, burst: HUGE } })
  const store = gatewayCore(limiterGateway).limiter!.store
  const counters = new Map<string, { tokens: number }>()
  let turn = 0
  const groups = [1, 2].map((parts) => {
    const chunks = chunksOf(body, parts)
    return runGroup(`ingress task, 4 KB chat body (8 messages) in ${parts} chunk${parts > 1 ? 's' : ''}`, {
      'Buffer.concat + JSON.parse + object lookup + Map counter (baseline)': () => {
        const bytes = Buffer.concat(chunks)
        const request = JSON.parse(bytes.toString('utf8'))
        const key = keys[turn++ % keys.length]!
        let bucket = counters.get(key)
        if (bucket === undefined) {
          bucket = { tokens: HUGE }
          counters.set(key, bucket)
        }
        if (bucket.tokens >= 1) bucket.tokens--
        keep(routesObject[request.model] ?? request.stream)
      },
      'velox: pool + scan + route + limiter': () => {
        let bytes: Buffer
        let slab: Buffer | null = null
        if (chunks.length === 1) bytes = chunks[0]!
        else {
          slab = pool.acquire(body.length)
          let at = 0
          for (const chunk of chunks) at += chunk.copy(slab, at)
          bytes = slab.subarray(0, at)
        }
        const fields = scanner.extract(bytes)
        const route = routes.get(fields.model!)
        const granted = (store.acquire(0, keys[turn++ % keys.length]!, 1, 0) as { granted: boolean }).granted
        keep(granted ? route : fields.stream)
        if (slab !== null) pool.release(slab)
      },
    })
  })
  void limiterGateway.close()
  return groups
}
