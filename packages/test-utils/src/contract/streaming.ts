/** Contract: SSE streams pass through event by event, and a client that leaves stops the upstream. */
import { once } from 'node:events'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { postJson } from '../http.js'
import { type ContractFixture, gatewayOptions } from './fixture.js'

export function describeStreaming(f: ContractFixture): void {
  describe('streaming', () => {
    const streamed = {
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Stream me a reply' }],
    }

    it('returns the upstream SSE stream byte for byte', async () => {
      const direct = await postJson(`${f.mock.url}/v1/chat/completions`, streamed)
      const viaVelox = await postJson(`${f.app.url}/v1/chat/completions`, streamed)
      expect(viaVelox.status).toBe(200)
      expect(viaVelox.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      expect(viaVelox.body.toString()).toBe(direct.body.toString())
      expect(viaVelox.body.toString().endsWith('data: [DONE]\n\n')).toBe(true)
    })

    it('delivers each event before the upstream sends the next one', async () => {
      // An upstream that sends one event, then waits until the client has seen it: a gateway that
      // buffered the stream would never deliver it, and this test would time out.
      let clientSawFirstEvent!: () => void
      const firstEventSeen = new Promise<void>((resolve) => {
        clientSawFirstEvent = resolve
      })
      const upstream = createServer(async (req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: {"n":1}\n\n')
        await firstEventSeen
        res.end('data: {"n":2}\n\ndata: [DONE]\n\n')
      })
      upstream.listen(0, '127.0.0.1')
      await once(upstream, 'listening')
      try {
        const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
        const { app } = await f.appWith(gatewayOptions(f.mock, { upstream: { origin } }))
        const url = new URL(`${app.url}/v1/chat/completions`)
        const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } })
        req.end(JSON.stringify(streamed))
        const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
        let text = ''
        for await (const chunk of res) {
          text += chunk.toString()
          if (text === 'data: {"n":1}\n\n') clientSawFirstEvent()
        }
        expect(text).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n')
      } finally {
        upstream.closeAllConnections()
        upstream.close()
      }
    })

    it('aborts the upstream request at once when the client leaves mid-stream', async () => {
      // An upstream that streams until its client goes away: if the gateway did not abort the
      // upstream request when its own client left, the upstream response would never close.
      let upstreamClosed!: (finished: boolean) => void
      const closed = new Promise<boolean>((resolve) => {
        upstreamClosed = resolve
      })
      const upstream = createServer((req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        const timer = setInterval(() => res.write('data: {"tick":true}\n\n'), 5)
        res.on('close', () => {
          clearInterval(timer)
          upstreamClosed(res.writableFinished)
        })
      })
      upstream.listen(0, '127.0.0.1')
      await once(upstream, 'listening')
      try {
        const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
        const { app, gateway } = await f.appWith(gatewayOptions(f.mock, { upstream: { origin } }))
        const req = httpRequest(new URL(`${app.url}/v1/chat/completions`), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        })
        req.end(JSON.stringify(streamed))
        const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
        await once(res, 'data')
        req.destroy()
        expect(await closed).toBe(false) // closed by the gateway's abort, not finished
        await vi.waitFor(() => expect(gateway.stats().requests.active).toBe(0))
        const stats = gateway.stats()
        expect(stats.requests.clientAborted).toBe(1)
        expect(stats.requests.completed).toBe(0)
        expect(stats.buffers.inUse).toBe(0)
      } finally {
        upstream.closeAllConnections()
        upstream.close()
      }
    })
  })
}
