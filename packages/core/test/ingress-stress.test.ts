/**
 * The ingress under stress: many concurrent requests of every body shape (small, one chunk, many
 * chunks, chunked without a length), mixed with clients leaving mid-body and mid-response and an
 * upstream that resets, hangs or fails. Two things must hold whatever the interleaving: no request
 * sees another's bytes (in its response or at the upstream), and every pooled slab comes back.
 */
import { Agent, createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway, type VeloxOptions } from '../src/index.js'
import { type RawExchange, type SendPlan, sendPlan } from './helpers/raw-client.js'

type Kind =
  | 'small'
  | 'small-pieces'
  | 'one-write'
  | 'many-chunks'
  | 'chunked'
  | 'abort-mid-body'
  | 'abort-mid-response'
  | 'reset-before-headers'
  | 'reset-mid-stream'
  | 'hang'
  | 'status-500'

const KINDS: Kind[] = [
  'small',
  'small-pieces',
  'one-write',
  'many-chunks',
  'chunked',
  'abort-mid-body',
  'abort-mid-response',
  'reset-before-headers',
  'reset-mid-stream',
  'hang',
  'status-500',
]

/** Text with quotes, backslashes and multi-byte characters, so escapes straddle every cut. */
const FILLER = 'a "quoted" word \\ back\\\\slash 😀 ü 日本 '

interface Planned {
  id: number
  kind: Kind
  text: string
  plan: SendPlan
}

/** Sees which requests reached the gateway and the upstream, so clients can leave at a known point. */
interface Watch {
  atGateway(marker: string): boolean
  atUpstream(marker: string): boolean
}

function plan(id: number, kind: Kind, size: number, watch: Watch): Planned {
  const marker = `<req-${id}>`
  const filled = `${marker} ${FILLER.repeat(Math.ceil(size / FILLER.length))}`.slice(0, size)
  const text = `${filled} ${marker}`
  const stream = kind === 'abort-mid-response' || kind === 'reset-mid-stream'
  const body = Buffer.from(
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: `system for ${marker}` },
        { role: 'user', content: text },
      ],
      ...(stream && { stream: true }),
    }),
  )
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-test-marker': marker }
  const p: SendPlan = { path: '/v1/chat/completions', headers, body }
  // Cut right after backslashes, and at pseudo-random places, so chunk boundaries fall mid-escape.
  const cutsAt = (count: number) => {
    const cuts = new Set<number>()
    for (let at = body.indexOf(0x5c); at !== -1 && cuts.size < count / 2; at = body.indexOf(0x5c, at + 997)) {
      cuts.add(at + 1)
    }
    for (let i = 1; cuts.size < count; i++) cuts.add(Math.floor((body.length * ((i * 7919) % 1000)) / 1000))
    return [...cuts].filter((c) => c > 0 && c < body.length).sort((a, b) => a - b)
  }
  if (kind === 'small-pieces') p.cuts = cutsAt(3)
  if (kind === 'many-chunks' || kind === 'chunked' || kind === 'abort-mid-body') p.cuts = cutsAt(24)
  if (kind === 'chunked') p.chunked = true
  if (kind === 'abort-mid-body') {
    p.abortAfterBodyBytes = Math.floor(body.length / 2)
    p.abortWhen = () => until(() => watch.atGateway(marker))
  }
  if (kind === 'abort-mid-response') {
    p.abortAfterFirstBytes = true
    Object.assign(headers, { 'x-mock-chunks': '40', 'x-mock-chunk-delay-ms': '5' })
  }
  if (kind === 'reset-before-headers') headers['x-mock-fault'] = 'reset-before-headers'
  if (kind === 'reset-mid-stream') headers['x-mock-fault'] = 'reset-mid-stream'
  if (kind === 'hang') {
    headers['x-mock-fault'] = 'hang'
    p.abortWhen = () => until(() => watch.atUpstream(marker))
  }
  if (kind === 'status-500') headers['x-mock-status'] = '500'
  return { id, kind, text, plan: p }
}

function sizeFor(kind: Kind, id: number): number {
  if (kind === 'small' || kind === 'small-pieces') return 200 + ((id * 131) % 3_000) // < 4 KiB in all
  return [5_000, 20_000, 70_000, 150_000][id % 4]!
}

/** Every `<req-N>` marker in some bytes. */
function markers(bytes: Buffer): Set<string> {
  return new Set(bytes.toString().match(/<req-\d+>/g) ?? [])
}

/** Waits for a condition (checked every 5 ms; the test's own timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

const CONFIGS: Array<[string, VeloxOptions]> = [
  ['the scanner', {}],
  ["parser: 'simdjson'", { parser: 'simdjson' }],
  ['bodies from 16 KB scanned on the offload worker', { offload: { thresholdBytes: 16_384 } }],
]

describe.each(CONFIGS)('ingress under stress, with %s', (_, options) => {
  let mock: MockUpstream
  let gateway: Gateway
  let app: { url: string; close(): Promise<void> }
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const arrived = new Set<string>()
  const watch: Watch = {
    atGateway: (marker) => arrived.has(marker),
    atUpstream: (marker) => mock.received.some((r) => r.headers['x-test-marker'] === marker),
  }

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({
      ...options,
      upstream: { origin: mock.url, apiKey: 'sk-stress', connections: 16 },
    })
    app = await listen(
      createServer((req, res) => {
        arrived.add(req.headers['x-test-marker'] as string)
        gateway.handle(req, res)
      }),
    )
  })
  afterAll(async () => {
    agent.destroy()
    await app.close()
    await gateway.close()
    await mock.close()
  })

  // A generous bound: the machine is shared, and this is about correctness, not speed.
  it('keeps every request to its own bytes and returns every slab', { timeout: 60_000 }, async () => {
    const planned: Planned[] = []
    for (let id = 0; id < 132; id++) {
      const kind = KINDS[id % KINDS.length]!
      planned.push(plan(id, kind, sizeFor(kind, id), watch))
    }
    const results: RawExchange[] = await Promise.all(planned.map((p) => sendPlan(app.url, agent, p.plan)))
    await until(() => gateway.stats().requests.active === 0)

    for (const [i, p] of planned.entries()) {
      const r = results[i]!
      const own = `<req-${p.id}>`
      // No response carries a marker other than its own, whatever happened to it.
      for (const seen of markers(r.body)) expect(seen, `${p.kind} #${p.id}`).toBe(own)
      if (p.kind === 'reset-before-headers') {
        expect(r.status).toBe(502)
        expect(JSON.parse(r.body.toString()).error.code).toBe('VELOX_ERR_UPSTREAM_RESET')
      } else if (p.kind === 'status-500') {
        expect(r.status).toBe(500)
        expect(JSON.parse(r.body.toString()).error.type).toBe('server_error')
      } else if (p.kind === 'reset-mid-stream') {
        expect(r.status).toBe(200)
        expect(r.cut).toBe(true)
      } else if (p.kind === 'small' || p.kind === 'small-pieces' || p.kind === 'one-write') {
        expect(r.status, `${p.kind} #${p.id}`).toBe(200)
        expect(JSON.parse(r.body.toString()).choices[0].message.content).toBe(`Mock reply to: ${p.text}`)
      } else if (p.kind === 'many-chunks' || p.kind === 'chunked') {
        expect(r.status, `${p.kind} #${p.id}`).toBe(200)
        expect(JSON.parse(r.body.toString()).choices[0].message.content).toBe(`Mock reply to: ${p.text}`)
      } else {
        expect(r.cut).toBe(true) // the client left
      }
    }

    // The upstream got each forwarded body exactly as its client sent it, and never a half body.
    const byMarker = new Map(planned.map((p) => [`<req-${p.id}>`, p]))
    const reached = new Set<number>()
    for (const received of mock.received) {
      const found = [...markers(received.body)]
      expect(found).toHaveLength(1)
      const p = byMarker.get(found[0]!)!
      expect(received.body.equals(p.plan.body), `${p.kind} #${p.id}`).toBe(true)
      reached.add(p.id)
    }
    const expectedAtUpstream = planned.filter((p) => p.kind !== 'abort-mid-body').map((p) => p.id)
    expect([...reached].sort((a, b) => a - b)).toEqual(expectedAtUpstream)
    // A 500 is retried (egress/), each attempt with the same slab bytes; a chat call reset after its
    // body was written is not (egress/retry-decision.ts: it may have been billed).
    const retried = planned.filter((p) => p.kind === 'status-500').length
    const attempts = gateway.options.retry.attempts
    expect(mock.received).toHaveLength(expectedAtUpstream.length + retried * (attempts - 1))

    const stats = gateway.stats()
    expect(stats.requests.active).toBe(0)
    expect(stats.requests.total).toBe(planned.length)
    expect(stats.buffers.inUse).toBe(0)
    expect(stats.buffers.acquired).toBe(stats.buffers.released)
    expect(stats.buffers.acquired).toBeGreaterThan(80) // the pool was in play
    if (options.offload) expect(stats.offload).toMatchObject({ pending: 0, crashes: 0 })
    if (options.offload) expect(stats.offload!.offloaded).toBeGreaterThan(40)
    expect(stats.requests.clientAborted).toBe(
      planned.filter((p) => ['abort-mid-body', 'abort-mid-response', 'hang'].includes(p.kind)).length,
    )
  })
})
