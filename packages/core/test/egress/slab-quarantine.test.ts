import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WasmArena } from '../../src/ingress/wasm-arena.js'
import { createFieldScanner } from '../../src/json/simd/field-scanner.js'
import { collectUntil } from '../helpers/force-gc.js'
import { gatewayApp } from './helpers.js'

/**
 * Regression: an arena slab retired after a non-2xx (the upstream may not have read the whole body,
 * slab-reuse.test.ts) was forgotten, and the arena's memory never shrinks, so each such answer lost
 * its slab for good until the arena refused. Now the slab waits until the very Buffer undici wrote
 * to the socket is collected, then goes back to the arena. The test holds that Buffer the way a
 * pending write would, through undici's own `undici:request:bodyChunkSent` channel.
 */
describe('arena slabs retired after an early upstream answer', () => {
  // The arena of the process: every gateway's pool carves its slabs from it (json/simd/field-scanner.ts).
  // The process-wide scanner runs over a WasmArena (its arena field is typed by what scanning needs).
  const arena = createFieldScanner().simd!.arena as WasmArena
  let upstream: Awaited<ReturnType<typeof listen>>
  let app: Awaited<ReturnType<typeof gatewayApp>>
  const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(512 * 1024) }] }
  let sent: Uint8Array[] = []
  // Bodies the gateway sent upstream (the test's own client publishes its bodies here too).
  const onBodySent = (message: unknown): void => {
    const { request, chunk } = message as { request: { origin: string }; chunk: Uint8Array }
    if (request.origin === upstream.url) sent.push(chunk)
  }

  beforeAll(async () => {
    upstream = await listen(
      createServer((req, res) => {
        if (req.headers['x-answer-early'] === '1') {
          // Answer before reading a byte of the body.
          res.writeHead(401, { 'content-type': 'application/json' })
          res.end('{"error":{"message":"no","type":"invalid_request_error","param":null,"code":null}}')
          return
        }
        req.resume()
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end('{"ok":true}')
        })
      }),
    )
    // offload: false: the offload worker would carve its own scan memory out of the arena when it
    // first starts (on the first large body), and the arena counts here are exact.
    app = await gatewayApp({ upstream: { origin: upstream.url }, retry: { attempts: 1 }, offload: false })
    subscribe('undici:request:bodyChunkSent', onBodySent)
  })
  afterAll(async () => {
    unsubscribe('undici:request:bodyChunkSent', onBodySent)
    await app.close()
    await upstream.close()
  })

  const early = async (): Promise<number> =>
    (await postJson(`${app.url}/v1/chat/completions`, big, { 'x-answer-early': '1' })).status
  const buffers = () => app.gateway.stats().buffers

  it('keeps the slab out of use while the body sent from it lives, and gives it back to the arena once it is collected', async () => {
    // The SIMD scanner keeps its own working memory in the arena too: counts are relative to it.
    const base = arena.stats()
    expect(await early()).toBe(401)
    expect(sent).toHaveLength(1)
    expect(arena.contains(sent[0]!)).toBe(true) // the body undici wrote lies in the arena
    expect(buffers()).toMatchObject({ inUse: 0, dropped: 1, quarantined: 1, free: 0 })
    expect(arena.stats()).toMatchObject({ inUse: base.inUse + 1, free: base.free })

    // While the body lives (as a pending write would hold it), collections change nothing, and the
    // next body gets other memory.
    expect(await collectUntil(() => buffers().quarantined === 0, 5)).toBe(false)
    expect(await early()).toBe(401)
    expect(sent).toHaveLength(2)
    const offsets = sent.map((body) => body.byteOffset)
    expect(offsets[1]).not.toBe(offsets[0])
    expect(buffers()).toMatchObject({ inUse: 0, dropped: 2, quarantined: 2, free: 0 })
    expect(arena.stats()).toMatchObject({ inUse: base.inUse + 2, free: base.free })

    // Once nothing holds the bodies, both slabs go back to the arena (not to the pool's free list).
    const { memoryBytes, inUseBytes } = arena.stats()
    const slabBytes = inUseBytes - base.inUseBytes
    sent = []
    expect(await collectUntil(() => buffers().quarantined === 0)).toBe(true)
    expect(buffers()).toMatchObject({ quarantined: 0, free: 0 })
    expect(arena.stats()).toMatchObject({
      inUse: base.inUse,
      free: base.free + 2,
      freeBytes: base.freeBytes + slabBytes,
      memoryBytes,
    })

    // The next large body is carved from that freed memory: the arena does not grow.
    expect((await postJson(`${app.url}/v1/chat/completions`, big)).status).toBe(200)
    expect(sent).toHaveLength(1)
    expect(offsets).toContain(sent[0]!.byteOffset)
    expect(arena.stats()).toMatchObject({ inUse: base.inUse + 1, free: base.free + 1, memoryBytes })
    expect(buffers()).toMatchObject({ inUse: 0, dropped: 2, quarantined: 0, free: 1 })
  })
})

/**
 * The same with a real pending write, nothing simulated: the upstream answers 401 and stops reading,
 * so the gateway's socket is still writing the body (far larger than the kernel's socket buffers)
 * when the exchange ends. Only Node's own write request holds the body then, and that must keep the
 * slab in quarantine until the upstream has taken every byte.
 */
describe('an arena slab whose body a socket is still writing', () => {
  // The process-wide scanner runs over a WasmArena (its arena field is typed by what scanning needs).
  const arena = createFieldScanner().simd!.arena as WasmArena
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(24 * 1024 * 1024) }] }
  const answer = '{"error":{"message":"no","type":"invalid_request_error","param":null,"code":null}}'
  const upstreamSockets = new Set<Socket>()
  let upstreamUrl = ''
  let app: Awaited<ReturnType<typeof gatewayApp>>
  /** The upstream side of the one connection, paused once it has answered. */
  let accepted: Socket | undefined
  let received = 0
  let expected = Number.POSITIVE_INFINITY
  /** The gateway's socket to the upstream (undici's), from its own sendHeaders channel. */
  let writer: Socket | undefined
  const onSendHeaders = (message: unknown): void => {
    const { request, socket } = message as { request: { origin: string }; socket: Socket }
    if (request.origin === upstreamUrl) writer = socket
  }
  const server = createNetServer((socket) => {
    upstreamSockets.add(socket)
    accepted = socket
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (expected !== Number.POSITIVE_INFINITY) return
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      expected = end + 4 + Number(/content-length: *(\d+)/i.exec(head.slice(0, end))![1])
      // Answer at once, then stop reading: the rest of the body stays on the gateway's side.
      socket.write(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${answer.length}\r\n\r\n${answer}`,
      )
      socket.pause()
    })
  })

  beforeAll(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // offload: false: the offload worker would carve its own scan memory out of the arena when it
    // first starts (on the first large body), and the arena counts here are exact.
    app = await gatewayApp({ upstream: { origin: upstreamUrl }, retry: { attempts: 1 }, offload: false })
    subscribe('undici:client:sendHeaders', onSendHeaders)
  })
  afterAll(async () => {
    unsubscribe('undici:client:sendHeaders', onSendHeaders)
    await app.close()
    for (const socket of upstreamSockets) socket.destroy()
    server.close()
  })

  const buffers = () => app.gateway.stats().buffers

  it('stays in quarantine while the write is pending, and goes back to the arena once the upstream took it all', async () => {
    const base = arena.stats()
    const res = await postJson(`${app.url}/v1/chat/completions`, body)
    expect(res.status).toBe(401)
    expect(res.body.toString()).toBe(answer)
    // The body is still on its way out: bytes are queued on the gateway's socket, and the upstream has not got them.
    expect(writer!.writableLength).toBeGreaterThan(0)
    expect(received).toBeLessThan(expected)
    expect(buffers()).toMatchObject({ inUse: 0, dropped: 1, quarantined: 1 })
    expect(arena.stats()).toMatchObject({ inUse: base.inUse + 1, free: base.free })

    // Only the pending write holds the body now: collections leave the slab in quarantine.
    expect(await collectUntil(() => buffers().quarantined === 0, 5)).toBe(false)
    expect(writer!.writableLength).toBeGreaterThan(0)
    expect(arena.stats()).toMatchObject({ inUse: base.inUse + 1, free: base.free })

    // The upstream reads the rest; once the write is done the slab goes back to the arena.
    const drained = new Promise<void>((resolve) => {
      accepted!.on('data', () => {
        if (received === expected) resolve()
      })
    })
    accepted!.resume()
    await drained
    expect(await collectUntil(() => buffers().quarantined === 0)).toBe(true)
    expect(writer!.writableLength).toBe(0)
    expect(arena.stats()).toMatchObject({ inUse: base.inUse, free: base.free + 1 })
  })
})
