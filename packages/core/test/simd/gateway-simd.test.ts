/**
 * The SIMD scanner wired into a gateway: bodies from 512 bytes are read by it (from a pooled slab
 * in the arena when they came in several chunks), the model alias is spliced at the offsets it
 * found, and a syntax error deep in a large body gets the JS scanner's message and offset.
 */
import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { errorBody, listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { gatewayCore } from '../../src/gateway.js'
import { createGateway, type Gateway } from '../../src/index.js'
import { createFieldScanner } from '../../src/json/simd/field-scanner.js'

describe('the SIMD scanner in the gateway', () => {
  let mock: MockUpstream
  let gateway: Gateway
  let app: { url: string; close(): Promise<void> }

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({
      upstream: { origin: mock.url, apiKey: 'sk-test' },
      routes: [{ model: 'fast', upstreams: [{ upstream: 'default', model: 'gpt-4o-mini' }] }],
    })
    app = await listen(createServer((req, res) => gateway.handle(req, res)))
  })
  beforeEach(() => mock.reset())
  afterAll(async () => {
    await app.close()
    await gateway.close()
    await mock.close()
  })

  const text = 'say "hi" \\ to the 😀 and\n\tthen "bye" '.repeat(600) // ~24 KB of escapes once in JSON

  it('pools slabs in the arena the scanner reads in place', () => {
    const pool = gatewayCore(gateway).bufferPool
    const slab = pool.acquire(20_000)
    expect(createFieldScanner().simd!.arena.contains(slab)).toBe(true)
    pool.release(slab)
  })

  it('splices the routed model at the offsets it found in a large escape-dense body', async () => {
    const sent = JSON.stringify({ messages: [{ role: 'user', content: text }], model: 'fast', max_tokens: 9 })
    const res = await postJson(`${app.url}/v1/chat/completions`, sent)
    expect(res.status).toBe(200)
    expect(mock.received).toHaveLength(1)
    expect(mock.received[0]!.body.toString()).toBe(sent.replace('"model":"fast"', '"model":"gpt-4o-mini"'))
  })

  it('answers 400 with the byte offset of a bad escape deep in a large body', async () => {
    const head = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] })
    const sent = `${head.slice(0, 20_000)}\\x${head.slice(20_000)}`
    const res = await postJson(`${app.url}/v1/chat/completions`, sent)
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body.toString())).toEqual(
      errorBody(
        'VELOX_ERR_INVALID_JSON',
        `The request body is not valid JSON: Bad escape at byte ${Buffer.byteLength(head.slice(0, 20_000))}`,
        'invalid_request_error',
      ),
    )
    expect(mock.received).toHaveLength(0)
  })
})
