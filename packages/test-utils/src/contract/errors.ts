/** Contract: every bad input and upstream failure gets its exact OpenAI-style error, and serving goes on. */
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { errorBody, postJson, type RawResponse, send, sendRaw } from '../http.js'
import { type ContractFixture, gatewayOptions, MAX_BODY_BYTES } from './fixture.js'

const INVALID = 'invalid_request_error'

function expectError(res: RawResponse, status: number, body: ReturnType<typeof errorBody>): void {
  expect(res.status).toBe(status)
  expect(res.headers['content-type']).toBe('application/json')
  expect(JSON.parse(res.body.toString())).toEqual(body)
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

export function describeErrors(f: ContractFixture): void {
  describe('errors', () => {
    const chatUrl = () => `${f.app.url}/v1/chat/completions`
    const tooLarge = errorBody(
      'VELOX_ERR_BODY_TOO_LARGE',
      `Request body is larger than the gateway allows (${MAX_BODY_BYTES} bytes)`,
      INVALID,
    )

    it('413 for a body over maxBodyBytes announced by Content-Length', async () => {
      const body = `{"model":"gpt-4o-mini","pad":"${'a'.repeat(MAX_BODY_BYTES)}"}`
      const res = await send(chatUrl(), { body, headers: { 'content-type': 'application/json' } })
      expectError(res, 413, tooLarge)
      expect(f.mock.received).toHaveLength(0)
    })

    it('413 for a chunked body that grows over maxBodyBytes', async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      const chunks = [
        Buffer.from('{"model":"gpt-4o-mini","pad":"'),
        ...Array.from({ length: 20 }, () => chunk),
      ]
      const res = await send(chatUrl(), {
        body: Readable.from(chunks) as unknown as Buffer,
        headers: { 'content-type': 'application/json' },
      })
      expectError(res, 413, tooLarge)
      expect(f.mock.received).toHaveLength(0)
      expect(f.gateway.stats().buffers.inUse).toBe(0)
    })

    it('408 when the client does not finish its body in time', async () => {
      const { app } = await f.appWith(gatewayOptions(f.mock, { timeouts: { clientBodyMs: 200 } }))
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const req = httpRequest(new URL(`${app.url}/v1/chat/completions`), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '100' },
        })
        req.on('error', reject)
        req.on('response', (r) => {
          const chunks: Buffer[] = []
          r.on('data', (c: Buffer) => chunks.push(c))
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }),
          )
        })
        req.write('{"model":"gpt-4o-mini"') // and never the rest
      })
      expectError(
        res,
        408,
        errorBody('VELOX_ERR_BODY_TIMEOUT', 'The request body did not arrive in time', INVALID),
      )
      expect(f.mock.received).toHaveLength(0)
    })

    it('400 for malformed JSON', async () => {
      const res = await postJson(chatUrl(), '{"model":')
      expectError(
        res,
        400,
        errorBody(
          'VELOX_ERR_INVALID_JSON',
          'The request body is not valid JSON: Unexpected end of JSON at byte 9',
          INVALID,
        ),
      )
    })

    it('400 when a chat request has no model', async () => {
      const res = await postJson(chatUrl(), { messages: [{ role: 'user', content: 'hi' }] })
      expectError(
        res,
        400,
        errorBody('VELOX_ERR_MISSING_MODEL', 'You must provide a model parameter', INVALID, 'model'),
      )
    })

    it('400 when a known field has the wrong type', async () => {
      const res = await postJson(chatUrl(), { model: 'gpt-4o-mini', stream: 'yes', messages: [] })
      expectError(
        res,
        400,
        errorBody('VELOX_ERR_INVALID_FIELD', "Invalid type for 'stream'", INVALID, 'stream'),
      )
    })

    it('415 for a body that is not JSON', async () => {
      const res = await send(chatUrl(), {
        body: 'model=gpt-4o-mini',
        headers: { 'content-type': 'text/plain' },
      })
      expectError(
        res,
        415,
        errorBody('VELOX_ERR_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', INVALID),
      )
    })

    it('415 for a compressed body', async () => {
      const res = await send(chatUrl(), {
        body: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      })
      expectError(
        res,
        415,
        errorBody(
          'VELOX_ERR_UNSUPPORTED_MEDIA_TYPE',
          "Content-Encoding 'gzip' is not supported: send the body uncompressed",
          INVALID,
        ),
      )
    })

    it('404 for a model outside the configured models', async () => {
      const res = await postJson(chatUrl(), { model: 'claude-3-opus', messages: [] })
      expectError(
        res,
        404,
        errorBody(
          'VELOX_ERR_MODEL_NOT_FOUND',
          "The model 'claude-3-opus' does not exist or you do not have access to it",
          INVALID,
          'model',
        ),
      )
      expect(f.mock.received).toHaveLength(0)
    })

    it('405 with Allow for a method the API does not use', async () => {
      const res = await send(chatUrl(), {
        method: 'PUT',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      })
      expectError(
        res,
        405,
        errorBody('VELOX_ERR_METHOD_NOT_ALLOWED', 'The method is not allowed on this path', INVALID),
      )
      expect(res.headers.allow).toBe('GET, POST, DELETE')
    })

    it('400 for a path that would climb out of the API on the upstream', async () => {
      const res = await sendRaw(f.app.url, '/v1/%2e%2e/admin')
      expectError(res, 400, errorBody('VELOX_ERR_INVALID_PATH', 'The request path is not allowed', INVALID))
      expect(f.mock.received).toHaveLength(0)
    })

    it('502 when the upstream refuses the connection', async () => {
      const origin = `http://127.0.0.1:${await closedPort()}`
      const { app } = await f.appWith(gatewayOptions(f.mock, { upstream: { origin } }))
      const res = await postJson(`${app.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [] })
      expectError(
        res,
        502,
        errorBody('VELOX_ERR_UPSTREAM_UNREACHABLE', 'The upstream could not be reached', 'server_error'),
      )
    })

    it('502 when the upstream resets the connection before responding', async () => {
      const res = await postJson(
        chatUrl(),
        { model: 'gpt-4o-mini', messages: [] },
        { 'x-mock-fault': 'reset-before-headers' },
      )
      expectError(
        res,
        502,
        errorBody(
          'VELOX_ERR_UPSTREAM_RESET',
          'The upstream closed the connection before responding',
          'server_error',
        ),
      )
    })

    it('504 when the upstream sends no headers in time', async () => {
      const { app } = await f.appWith(gatewayOptions(f.mock, { timeouts: { headersMs: 200 } }))
      const res = await postJson(
        `${app.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [] },
        { 'x-mock-latency-ms': '30000' },
      )
      expectError(
        res,
        504,
        errorBody(
          'VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT',
          'The upstream did not send response headers in time',
          'timeout_error',
        ),
      )
    })

    it('keeps serving after every kind of error', async () => {
      const res = await postJson(chatUrl(), {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'still there?' }],
      })
      expect(res.status).toBe(200)
      expect(f.gateway.stats().buffers.inUse).toBe(0)
    })
  })
}
