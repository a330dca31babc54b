import { once } from 'node:events'
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { listen } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, gatewayApp } from './helpers.js'

/**
 * An event stream's head reaches the client before its first event, however long the model
 * thinks; when the first events come with the head, they go out together (one socket write,
 * which the load benchmarks count in CPU).
 */
describe("an event stream's head", () => {
  let upstream: Awaited<ReturnType<typeof listen>>
  let app: Awaited<ReturnType<typeof gatewayApp>>
  /** The upstream response waiting to send its events, for the test to release. */
  let waiting: ServerResponse | undefined
  let upstreamWaits: Promise<void>
  let markWaiting: () => void

  beforeAll(async () => {
    upstream = await listen(
      createServer((req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        if (req.headers['x-think'] === '1') {
          res.flushHeaders() // the head now, the events when the test says so
          waiting = res
          markWaiting()
          return
        }
        res.end('data: {"n":1}\n\ndata: [DONE]\n\n') // head and events in one write
      }),
    )
    app = await gatewayApp({ upstream: { origin: upstream.url } })
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })

  function post(headers: Record<string, string>): Promise<IncomingMessage> {
    const req = request(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    })
    req.end(JSON.stringify({ ...chat('gpt-4o-mini'), stream: true }))
    return once(req, 'response').then(([res]) => res as IncomingMessage)
  }

  async function text(res: IncomingMessage): Promise<string> {
    let out = ''
    for await (const chunk of res) out += chunk
    return out
  }

  it('reaches the client while the upstream has sent no event yet', async () => {
    upstreamWaits = new Promise((resolve) => {
      markWaiting = resolve
    })
    const response = post({ 'x-think': '1' })
    await upstreamWaits
    // The upstream holds its events until the client has the head: without the gateway's
    // flush, this would wait for ever (and the test time out).
    const res = await response
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream')
    waiting!.end('data: {"n":2}\n\ndata: [DONE]\n\n')
    expect(await text(res)).toBe('data: {"n":2}\n\ndata: [DONE]\n\n')
  })

  it('goes out with the events that came with it', async () => {
    const res = await post({})
    expect(res.statusCode).toBe(200)
    expect(await text(res)).toBe('data: {"n":1}\n\ndata: [DONE]\n\n')
  })
})
