/**
 * The field scanner against JSON.parse on realistic chat bodies (DESIGN.md: the seed's simd-json
 * table, in Node). Both read model, stream and max_tokens from the raw Buffer; JSON.parse must
 * decode the bytes to a string first, as it would in a real request.
 */
import { extractFields } from '@velox/core'
import { type GroupResult, runGroup } from '../lib/suite.js'

export function chatBody(targetBytes: number, messages: number): Buffer {
  const per = Math.max(1, Math.floor(targetBytes / messages) - 40)
  const body = {
    model: 'gpt-4o-mini',
    stream: true,
    max_tokens: 256,
    messages: Array.from({ length: messages }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `Message ${i}: ${'lorem ipsum "dolor" sit amet, \\ consectetur 😀 '.repeat(Math.ceil(per / 48)).slice(0, per)}`,
    })),
  }
  return Buffer.from(JSON.stringify(body))
}

let sink: unknown
export function benchExtractFields(): GroupResult[] {
  const sizes: Array<[string, Buffer]> = [
    ['48 B', Buffer.from('{"model":"gpt-4o","messages":[],"stream":true}')],
    ['4 KB, 8 messages', chatBody(4 * 1024, 8)],
    ['64 KB, 32 messages', chatBody(64 * 1024, 32)],
    ['1 MB, 32 messages', chatBody(1024 * 1024, 32)],
  ]
  return sizes.map(([label, body]) =>
    runGroup(`extract fields, ${label}`, {
      'JSON.parse (baseline)': () => {
        const o = JSON.parse(body.toString('utf8'))
        sink = o.model + o.stream + o.max_tokens
      },
      'velox scanner': () => {
        const f = extractFields(body)
        sink = f.model! + f.stream + f.maxTokens
      },
    }),
  )
}

export { sink }
