/**
 * The field scanner against JSON.parse and the optional simdjson backend on chat bodies (the
 * Rust Velox gateway's simd-json table, in Node). One operation = read model, stream and max_tokens from the raw
 * Buffer; JSON.parse and simdjson must decode the bytes to a string first, as in a real request.
 * "keys last": the fields come after the messages (every parser still reads the whole body).
 * The chat text has a quote or backslash every ~16 bytes, a hard case for a scanner that jumps
 * between them; the last table, one base64 image, is the easy case.
 */
import { createFieldParser, type FieldParser } from '@velox/core/internal'
import { chatBody } from '../lib/bodies.js'
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
]

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
  return SCAN_BODIES.map(([label, body]) => {
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
    if (simdjson) {
      cases['simdjson backend'] = () => {
        const f = simdjson.parse(body)
        keep(f.model! + f.stream + f.maxTokens)
      }
    }
    return runGroup(
      `extract fields, ${label} (${body.length.toLocaleString('en-US')} bytes)`,
      cases,
      simdjson ? undefined : 'simdjson is not installed here, so it is not in this table.',
    )
  })
}
