// The SIMD scanner and the JS scanner side by side: `outcome` is what a scan gives (the fields, or
// the error message), so a test can require both scanners to give the same one for a body.
import { expect } from 'vitest'
import { WasmArena } from '../../src/ingress/wasm-arena.js'
import {
  decodeFields,
  type ExtractedFields,
  extractFields,
  ScanResult,
} from '../../src/json/extract-fields.js'
import { SimdScanner } from '../../src/json/simd/walk-fields.js'

export const arena = new WasmArena({ maxBytes: 64 * 1024 * 1024 })
const created = SimdScanner.create(arena)
// No silent fallback in the tests: the module must be built (`pnpm build`) and this Node must run SIMD.
if (created === undefined) throw new Error('the stage-1 WebAssembly module is not built or cannot run here')
export const simd: SimdScanner = created

const result = new ScanResult()

/** The SIMD scanner's fields for `buf` (scanned in place when `buf` is an arena slab, else copied). */
export function simdExtract(buf: Buffer): ExtractedFields {
  expect(simd.scan(buf, result)).toBe(true)
  return decodeFields(buf, result)
}

export type Outcome = { fields: ExtractedFields } | { error: string }

function outcome(scan: () => ExtractedFields): Outcome {
  try {
    return { fields: scan() }
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` }
  }
}

/**
 * Scans `text` with both scanners, from a plain Buffer (copied into the arena) and from an arena
 * slab (in place, with stale bytes after the body), requires the same outcome from all three, and
 * returns it.
 */
export function agree(text: string | Buffer): Outcome {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  const js = outcome(() => extractFields(bytes))
  expect(outcome(() => simdExtract(bytes))).toEqual(js)
  const slab = arena.allocate(bytes.length + 64)!
  slab.fill('"\\{')
  bytes.copy(slab)
  try {
    expect(outcome(() => simdExtract(slab.subarray(0, bytes.length)))).toEqual(js)
  } finally {
    arena.free(slab)
  }
  return js
}

/** What a scanner should find, computed the slow way with JSON.parse (as in extract-fields.test.ts). */
export function expected(value: unknown) {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  const o = (isObject ? value : {}) as Record<string, any>
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined)
  const int = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined)
  const so = o.stream_options
  return {
    isObject,
    model: str(o.model),
    stream: bool(o.stream),
    includeUsage:
      typeof so === 'object' && so !== null && !Array.isArray(so) ? bool(so.include_usage) : undefined,
    maxTokens: int(o.max_tokens),
    maxCompletionTokens: int(o.max_completion_tokens),
    maxOutputTokens: int(o.max_output_tokens),
    user: str(o.user),
  }
}

/** The SIMD scanner's fields for `text` without the offsets and the complaint, to set beside expected(). */
export function simdFound(text: string) {
  const { modelStart, modelEnd, invalidParam, ...fields } = simdExtract(Buffer.from(text))
  return fields
}
