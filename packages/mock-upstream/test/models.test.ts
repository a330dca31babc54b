import OpenAI, { NotFoundError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'

let mock: MockUpstream
let client: OpenAI

beforeAll(async () => {
  mock = await createMockUpstream({ models: ['gpt-4o-mini', 'org/custom-model'] })
  client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1`, maxRetries: 0 })
})
afterAll(() => mock.close())

describe('GET /v1/models', () => {
  it('lists the configured models', async () => {
    const res = await fetch(`${mock.url}/v1/models`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-4o-mini', object: 'model', created: 1_700_000_000, owned_by: 'velox-mock' },
        { id: 'org/custom-model', object: 'model', created: 1_700_000_000, owned_by: 'velox-mock' },
      ],
    })
  })

  it('works through the SDK, including ids with a slash', async () => {
    const page = await client.models.list()
    expect(page.data.map((model) => model.id)).toEqual(['gpt-4o-mini', 'org/custom-model'])
    const model = await client.models.retrieve('org/custom-model')
    expect(model).toEqual({
      id: 'org/custom-model',
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'velox-mock',
    })
  })

  it('serves the default model list', async () => {
    const defaults = await createMockUpstream()
    try {
      const res = await fetch(`${defaults.url}/v1/models`)
      const body = (await res.json()) as { data: { id: string }[] }
      expect(body.data.map((model) => model.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'])
    } finally {
      await defaults.close()
    }
  })

  it('answers 404 model_not_found for an unknown model', async () => {
    const res = await fetch(`${mock.url}/v1/models/gpt-9`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: {
        message: "The model 'gpt-9' does not exist or you do not have access to it.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    })
    await expect(client.models.retrieve('gpt-9')).rejects.toBeInstanceOf(NotFoundError)
  })
})
