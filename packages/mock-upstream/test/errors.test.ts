import OpenAI, { AuthenticationError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'
import { rawRequest } from './helpers.js'

let mock: MockUpstream

beforeAll(async () => {
  mock = await createMockUpstream()
})
afterAll(() => mock.close())

const json = { 'content-type': 'application/json' }

describe('error replies', () => {
  it('answers an unknown path with the 404 of the real API', async () => {
    const reply = await rawRequest(mock.url, {
      method: 'POST',
      path: '/v1/nope?x=1',
      headers: json,
      body: '{}',
    })
    const body =
      '{"error":{"message":"Invalid URL (POST /v1/nope)","type":"invalid_request_error","param":null,"code":null}}'
    expect(reply.status).toBe(404)
    expect(reply.headers['content-type']).toBe('application/json')
    expect(reply.headers['content-length']).toBe(String(body.length))
    expect(reply.body.toString()).toBe(body)
  })

  it('answers a known path with the wrong method with 404', async () => {
    const reply = await rawRequest(mock.url, { path: '/v1/chat/completions' })
    expect(reply.status).toBe(404)
    expect(JSON.parse(reply.body.toString()).error.message).toBe('Invalid URL (GET /v1/chat/completions)')
  })

  it('routes on the path without its query string', async () => {
    const reply = await rawRequest(mock.url, { path: '/v1/models?limit=1' })
    expect(reply.status).toBe(200)
  })

  it('answers malformed JSON with 400 invalid_request_error', async () => {
    const reply = await rawRequest(mock.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: json,
      body: '{"model": "gpt-4o",',
    })
    expect(reply.status).toBe(400)
    expect(reply.body.toString()).toBe(
      JSON.stringify({
        error: {
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      }),
    )
  })

  it('answers a JSON body that is not an object with 400', async () => {
    const reply = await rawRequest(mock.url, {
      method: 'POST',
      path: '/v1/responses',
      headers: json,
      body: '[1]',
    })
    expect(reply.status).toBe(400)
    expect(JSON.parse(reply.body.toString())).toEqual({
      error: {
        message: 'The request body must be a JSON object.',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })
  })

  it.each(['/v1/chat/completions', '/v1/responses', '/v1/embeddings'])(
    'requires model on POST %s',
    async (path) => {
      const reply = await rawRequest(mock.url, { method: 'POST', path, headers: json, body: '{"input":"x"}' })
      expect(reply.status).toBe(400)
      expect(reply.body.toString()).toBe(
        '{"error":{"message":"Missing required parameter: \'model\'.","type":"invalid_request_error","param":"model","code":"missing_required_parameter"}}',
      )
    },
  )

  it('answers a malformed control header with 400 naming the header', async () => {
    const reply = await rawRequest(mock.url, { path: '/v1/models', headers: { 'x-mock-status': '200' } })
    expect(reply.status).toBe(400)
    expect(JSON.parse(reply.body.toString())).toEqual({
      error: {
        message: 'Invalid x-mock-status header: expected an integer from 400 to 599, got "200".',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_mock_header',
      },
    })
    const fault = await rawRequest(mock.url, { path: '/v1/models', headers: { 'x-mock-fault': 'explode' } })
    expect(fault.status).toBe(400)
    expect(JSON.parse(fault.body.toString()).error.message).toBe(
      'Invalid x-mock-fault header: expected one of reset-before-headers, reset-mid-stream, hang, got "explode".',
    )
  })
})

describe('apiKey', () => {
  let secured: MockUpstream
  beforeAll(async () => {
    secured = await createMockUpstream({ apiKey: 'sk-right' })
  })
  afterAll(() => secured.close())

  it('rejects a request without the key with 401 invalid_api_key', async () => {
    const reply = await rawRequest(secured.url, { path: '/v1/models' })
    expect(reply.status).toBe(401)
    expect(JSON.parse(reply.body.toString())).toEqual({
      error: {
        message: 'Incorrect API key provided. You can find your API key in the mock upstream options.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${secured.url}/v1`, maxRetries: 0 })
    await expect(wrong.models.list()).rejects.toBeInstanceOf(AuthenticationError)
  })

  it('accepts a request with the key', async () => {
    const right = new OpenAI({ apiKey: 'sk-right', baseURL: `${secured.url}/v1`, maxRetries: 0 })
    const page = await right.models.list()
    expect(page.data).toHaveLength(3)
  })
})
