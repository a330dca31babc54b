/**
 * The field scanners against JSON.parse and the optional simdjson backend on chat bodies (the
 * Rust Velox gateway's simd-json table, in Node). One operation = read model, stream and max_tokens from the raw
 * Buffer; JSON.parse and simdjson must decode the bytes to a string first, as in a real request.
 * "keys last": the fields come after the messages (every parser still reads the whole body).
 * The chat text has a quote or backslash every ~16 bytes, a hard case for a scanner that jumps
 * between them; the "code" bodies (pasted source, \n escapes) are denser still; the base64 image
 * is the easy case. Two SIMD rows: the body in a plain Buffer (copied into the arena first) and
 * the body already in an arena slab (scanned in place, as a pooled body is). The threshold tables
 * time the JS and SIMD scanners on small bodies, where the SIMD scanner's fixed cost shows: they
 * are what SIMD_MIN_BYTES (packages/core/src/json/simd/field-scanner.ts) is chosen from.
 */
import { createFieldParser, createFieldScanner, type FieldParser, FieldScanner } from '@velox/core/internal'
import { chatBody, codeBody } from '../lib/bodies.js'
import { type GroupResult, keep, runGroup } from '../lib/suite.js'

export const SCAN_BODIES: Array<[string, Buffer]> = [
  ['48 B', Buffer.from('{"model":"gpt-4o","messages":[],"stream":true}')],
  ['4 KB, 8 messages, keys first', chatBody(4 * 1024, 8)],
  ['4 KB, 8 messages, keys last', chatBody(4 * 1024, 8, true)],
  ['64 KB, 32 messages, keys first', chatBody(64 * 1024, 32)],
  ['64 KB, 32 messages, keys last', chatBody(64 * 1024, 32, true)],
  ['1 MB, 32 messages, keys first', chatBody(1024 * 1024, 32)],
  ['1 MB, 32 messages, keys last', chatBody(1024 * 1024, 32, true)],
  ['1 MB, one base64 image (few escapes)', imageBody(1024 * 1024)],
  ['4 KB code, 8 messages, keys first', codeBody(4 * 1024, 8)],
  ['4 KB code, 8 messages, keys last', codeBody(4 * 1024, 8, true)],
  ['64 KB code, 32 messages, keys first', codeBody(64 * 1024, 32)],
  ['64 KB code, 32 messages, keys last', codeBody(64 * 1024, 32, true)],
]

/** Small chat bodies for the JS/SIMD threshold: the sizes around where the two cross. */
export const THRESHOLD_BODIES: Array<[string, Buffer]> = [128, 256, 384, 512, 768, 1024].map((bytes) => [
  `${bytes} B`,
  chatBody(bytes, 1),
])

/** A vision request: a short question and one image as a base64 data URL (no escapes inside). */
function imageBody(bytes: number): Buffer {
  const base64 = Buffer.alloc(Math.floor((bytes * 3) / 4), 7).toString('base64')
  const content = [
    { type: 'text', text: 'What is in this image?' },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } },
  ]
  return Buffer.from(
    JSON.stringify({ model: 'gpt-4o', max_tokens: 300, messages: [{ role: 'user', content }] }),
  )
}

function simdjsonParser(): FieldParser | undefined {
  try {
    return createFieldParser('simdjson')
  } catch {
    return undefined // the optional package is not installed here: the table says so
  }
}

export function benchExtractFields(): GroupResult[] {
  const scanner = createFieldParser('scanner')
  const simdjson = simdjsonParser()
  const auto = createFieldScanner()
  // Every body to the SIMD scanner, whatever its size (the auto scanner applies the threshold).
  const simd = auto.simd ? new FieldScanner(auto.simd, 0) : undefined
  const inArena = (body: Buffer): Buffer | undefined => {
    const slab = simd?.simd?.arena.allocate(body.length)
    if (slab === undefined) return undefined
    body.copy(slab)
    return slab.subarray(0, body.length)
  }
  const note = [
    simdjson ? undefined : 'simdjson is not installed here, so it is not in this table.',
    simd ? undefined : 'WebAssembly SIMD is not available here, so the SIMD rows are missing.',
  ]
    .filter(Boolean)
    .join(' ')
  const groups = SCAN_BODIES.map(([label, body]) => {
    const cases: Record<string, () => void> = {
      'JSON.parse (baseline)': () => {
        const o = JSON.parse(body.toString('utf8'))
        keep(o.model + o.stream + o.max_tokens)
      },
      'velox scanner': () => {
        const f = scanner.parse(body)
        keep(f.model! + f.stream + f.maxTokens)
      },
    }
    const slab = inArena(body)
    if (simd && slab) {
      cases['velox SIMD scanner, body copied in'] = () => {
        const f = simd.extract(body)
        keep(f.model! + f.stream + f.maxTokens)
      }
      cases['velox SIMD scanner, body in the arena'] = () => {
        const f = simd.extract(slab)
        keep(f.model! + f.stream + f.maxTokens)
      }
    }
    if (simdjson) {
      cases['simdjson backend'] = () => {
        const f = simdjson.parse(body)
        keep(f.model! + f.stream + f.maxTokens)
      }
    }
    return runGroup(
      `extract fields, ${label} (${body.length.toLocaleString('en-US')} bytes)`,
      cases,
      note || undefined,
    )
  })
  if (!simd) return groups
  const thresholds = THRESHOLD_BODIES.map(([label, body]) => {
    const slab = inArena(body)!
    return runGroup(`scanner threshold, ${label} chat body (${body.length} bytes)`, {
      'velox scanner (baseline)': () => keep(scanner.parse(body).model),
      'velox SIMD scanner, body copied in': () => keep(simd.extract(body).model),
      'velox SIMD scanner, body in the arena': () => keep(simd.extract(slab).model),
    })
  })
  return [...groups, ...thresholds]
}
