import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'
import { postJson } from './helpers.js'

let mock: MockUpstream
let client: OpenAI

beforeAll(async () => {
  mock = await createMockUpstream()
  client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
})
afterAll(() => mock.close())

describe('POST /v1/embeddings', () => {
  it('returns float arrays through the SDK (which asks for base64)', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' })
    expect(JSON.parse(mock.received.at(-1)!.body.toString()).encoding_format).toBe('base64')
    expect(result.object).toBe('list')
    expect(result.model).toBe('text-embedding-3-small')
    expect(result.data).toHaveLength(1)
    expect(result.data[0].embedding).toHaveLength(8)
    expect(result.data[0].embedding.every((value) => typeof value === 'number')).toBe(true)
    // "hello": 5 bytes -> 2 tokens
    expect(result.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 })
  })

  it('is deterministic and unit length', async () => {
    const first = await client.embeddings.create({ model: 'm', input: ['a', 'b', 'a'] })
    const second = await client.embeddings.create({ model: 'm', input: 'a' })
    const [a, b, a2] = first.data.map((item) => item.embedding)
    expect(first.data.map((item) => item.index)).toEqual([0, 1, 2])
    expect(a2).toEqual(a)
    expect(second.data[0].embedding).toEqual(a)
    expect(b).not.toEqual(a)
    const norm = Math.sqrt(a.reduce((sum, value) => sum + value * value, 0))
    expect(norm).toBeCloseTo(1, 5)
  })

  it('honours dimensions', async () => {
    const result = await client.embeddings.create({ model: 'm', input: ['x', 'y'], dimensions: 100 })
    expect(result.data.map((item) => item.embedding.length)).toEqual([100, 100])
  })

  it('returns the same numbers as floats and as base64 little-endian float32', async () => {
    const floats = await postJson(mock.url, '/v1/embeddings', {
      model: 'm',
      input: 'same',
      encoding_format: 'float',
    })
    const base64 = await postJson(mock.url, '/v1/embeddings', {
      model: 'm',
      input: 'same',
      encoding_format: 'base64',
    })
    const vector = ((await floats.json()) as { data: [{ embedding: number[] }] }).data[0].embedding
    const encoded = ((await base64.json()) as { data: [{ embedding: string }] }).data[0].embedding
    const bytes = Buffer.from(encoded, 'base64')
    expect(bytes.length).toBe(32)
    const decoded = Array.from({ length: 8 }, (_, index) => bytes.readFloatLE(index * 4))
    expect(decoded).toEqual(vector)
  })

  it('accepts token arrays and counts each token', async () => {
    const result = await client.embeddings.create({
      model: 'm',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: 'float',
    })
    expect(result.data.map((item) => item.embedding.length)).toEqual([8, 8])
    expect(result.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 })
  })

  it('rejects a missing input with param input', async () => {
    const res = await postJson(mock.url, '/v1/embeddings', { model: 'm' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        message: "Missing required parameter: 'input'.",
        type: 'invalid_request_error',
        param: 'input',
        code: 'missing_required_parameter',
      },
    })
  })
})
