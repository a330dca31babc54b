import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Upstream } from '../../src/egress/upstream.js'
import { resolveOptions } from '../../src/options.js'
import { Router } from '../../src/route/router.js'
import { chat, gatewayApp } from './helpers.js'

describe('routing by model', () => {
  let a: MockUpstream
  let b: MockUpstream
  let app: Awaited<ReturnType<typeof gatewayApp>>

  beforeAll(async () => {
    a = await createMockUpstream({ models: ['gpt-4o', 'shared'] })
    b = await createMockUpstream({ models: ['claude-3', 'shared'] })
    app = await gatewayApp({
      upstreams: [
        { name: 'a', origin: a.url, apiKey: 'key-a' },
        // An OpenAI-compatible endpoint that takes Anthropic-style keys: the chat bodies below cross as they are.
        { name: 'b', origin: b.url, apiKey: 'key-b', auth: 'anthropic', format: 'openai' },
      ],
      routes: [
        { model: 'gpt-4o*', upstreams: ['a'] },
        { model: 'claude-*', upstreams: ['b'] },
        { model: 'fast', upstreams: [{ upstream: 'b', model: 'claude-3-haiku' }] },
      ],
    })
  })
  afterAll(async () => {
    await app.close()
    await a.close()
    await b.close()
  })
  beforeEach(() => {
    a.reset()
    b.reset()
  })

  it('sends each model to the upstream its route names, with that upstream’s auth style', async () => {
    expect((await postJson(`${app.url}/v1/chat/completions`, chat('gpt-4o-mini'))).status).toBe(200)
    expect((await postJson(`${app.url}/v1/chat/completions`, chat('claude-3-opus'))).status).toBe(200)
    expect(a.received.map((r) => JSON.parse(r.body.toString()).model)).toEqual(['gpt-4o-mini'])
    expect(b.received.map((r) => JSON.parse(r.body.toString()).model)).toEqual(['claude-3-opus'])
    expect(a.received[0]!.headers.authorization).toBe('Bearer key-a')
    expect(b.received[0]!.headers.authorization).toBeUndefined()
    expect(b.received[0]!.headers['x-api-key']).toBe('key-b')
    expect(b.received[0]!.headers['anthropic-version']).toBe('2023-06-01')
  })

  it('splices an alias into the body and leaves every other byte as it was', async () => {
    const raw =
      '{"messages":[{"role":"user","content":"h\\u00e9 \\"model\\""}],  "model" :"fast","x":[1.50,true]}'
    const res = await send(`${app.url}/v1/chat/completions`, {
      body: raw,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect(b.received[0]!.body.toString()).toBe(raw.replace('"fast"', '"claude-3-haiku"'))
  })

  it('answers 404 for a model no route matches, and never calls an upstream', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, chat('mistral-large'))
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body.toString()).error).toEqual({
      message: "The model 'mistral-large' does not exist or you do not have access to it",
      type: 'invalid_request_error',
      param: 'model',
      code: 'VELOX_ERR_MODEL_NOT_FOUND',
    })
    expect(a.received.length + b.received.length).toBe(0)
  })

  it('lists the routed model names on GET /v1/models', async () => {
    const res = await send(`${app.url}/v1/models`)
    expect(JSON.parse(res.body.toString())).toEqual({
      object: 'list',
      data: [{ id: 'fast', object: 'model', created: 0, owned_by: 'velox' }],
    })
  })

  it('merges the upstreams’ model lists on GET /v1/models when asked to', async () => {
    const merged = await gatewayApp({
      upstreams: [
        { name: 'a', origin: a.url },
        { name: 'b', origin: b.url },
        { name: 'down', origin: 'http://127.0.0.1:9' },
      ],
      modelsEndpoint: 'merge',
    })
    try {
      const res = await send(`${merged.url}/v1/models`)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body.toString()).data.map((m: { id: string }) => m.id)).toEqual([
        'gpt-4o',
        'shared',
        'claude-3',
      ])
    } finally {
      await merged.close()
    }
  })

  it('sends requests without a model (GET /v1/files) to the first upstream', async () => {
    await send(`${app.url}/v1/files?purpose=batch`)
    expect(a.received.map((r) => r.path)).toEqual(['/v1/files?purpose=batch'])
  })
})

describe('Router', () => {
  const options = resolveOptions({
    upstreams: [
      { name: 'x', origin: 'http://127.0.0.1:1', weight: 1 },
      { name: 'y', origin: 'http://127.0.0.1:2', weight: 3 },
      { name: 'z', origin: 'http://127.0.0.1:3' },
    ],
    routes: [{ model: '*', upstreams: [['x', 'y'], 'z'] }],
  })
  const upstreams = options.upstreams.map((u) => new Upstream(u, options.timeouts))
  const byName = new Map(upstreams.map((u) => [u.config.name, u]))
  const order = (random: number) =>
    new Router(options.routes, byName, upstreams[0]!, () => random)
      .resolve('m')!
      .map((c) => c.upstream.config.name)

  afterAll(() => Promise.all(upstreams.map((u) => u.close())))

  it('draws among equal candidates by weight, then falls back to the next tier', () => {
    // x holds [0, 1) of the total weight 4, y holds [1, 4).
    expect(order(0)).toEqual(['x', 'y', 'z'])
    expect(order(0.24)).toEqual(['x', 'y', 'z'])
    expect(order(0.25)).toEqual(['y', 'x', 'z'])
    expect(order(0.99)).toEqual(['y', 'x', 'z'])
  })
})
