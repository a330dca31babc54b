import { describe, expect, it } from 'vitest'
import { cacheDirective } from '../../src/cache/cache-directive.js'
import { cacheKey } from '../../src/cache/cache-key.js'
import { resolveCache } from '../../src/cache/cache-options.js'
import { decodeReply, encodeReply } from '../../src/cache/cached-reply.js'
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.js'
import { ReplyRecorder } from '../../src/cache/reply-recorder.js'
import { ResponseCache } from '../../src/cache/response-cache.js'

const body = Buffer.from('{"model":"m","messages":[{"role":"user","content":"hi"}]}')
const key = (over: Partial<Parameters<typeof cacheKey>[0]> = {}) =>
  cacheKey({
    upstream: 'openai',
    path: '/v1/chat/completions',
    stream: false,
    scope: 'k:alice',
    body,
    ...over,
  })

function record(status: number, type: string, text: string, complete = true, max = 1 << 20) {
  const r = new ReplyRecorder(status, type, max)
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += 7) r.onChunk(bytes.subarray(i, i + 7))
  return r.finish(complete)
}

const SSE = 'text/event-stream; charset=utf-8'
const chunk = (finish: string | null) =>
  `data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":${JSON.stringify(finish)}}]}\n\n`

describe('cache key', () => {
  it('differs by upstream, path, stream, scope and any body byte', () => {
    const base = key()
    expect(base).toMatch(/^[0-9a-f]{64}$/)
    expect(key()).toBe(base)
    expect(key({ upstream: 'other' })).not.toBe(base)
    expect(key({ path: '/v1/completions' })).not.toBe(base)
    expect(key({ stream: true })).not.toBe(base)
    expect(key({ scope: 'k:bob' })).not.toBe(base)
    expect(key({ body: Buffer.from(`${body.toString()} `) })).not.toBe(base)
    // Length prefixes: moving a byte from one part to the next is another key.
    expect(key({ upstream: 'openai/', path: 'v1/chat/completions' })).not.toBe(base)
  })
})

describe('ReplyRecorder', () => {
  it('keeps a complete 200 JSON answer', () => {
    const reply = record(200, 'application/json', '{"id":"x"}')
    expect(reply).toEqual({
      kind: 'json',
      contentType: 'application/json',
      body: Buffer.from('{"id":"x"}'),
      eventEnds: [],
    })
  })

  it('keeps a stream that ended with [DONE], with its event boundaries', () => {
    const text = `${chunk(null)}${chunk('stop')}data: [DONE]\n\n`
    const reply = record(200, SSE, text)!
    expect(reply.kind).toBe('sse')
    expect(reply.body.toString()).toBe(text)
    expect(reply.eventEnds).toEqual([chunk(null).length, chunk(null).length * 2 + 2, text.length])
  })

  it('keeps Responses and Anthropic streams that completed', () => {
    expect(
      record(
        200,
        SSE,
        'event: response.created\ndata: {}\n\nevent: response.completed\ndata: {"response":{"status":"completed"}}\n\n',
      )?.kind,
    ).toBe('sse')
    expect(
      record(
        200,
        SSE,
        'event: message_start\ndata: {}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
      )?.kind,
    ).toBe('sse')
  })

  it('never keeps a cut, truncated, failed or aborted answer', () => {
    expect(record(200, SSE, chunk(null))).toBeUndefined() // no [DONE]
    expect(record(200, SSE, `${chunk('length')}data: [DONE]\n\n`)).toBeUndefined()
    expect(
      record(200, SSE, 'event: response.completed\ndata: {"response":{"status":"incomplete"}}\n\n'),
    ).toBeUndefined()
    expect(record(200, SSE, 'event: error\ndata: {}\n\nevent: message_stop\ndata: {}\n\n')).toBeUndefined()
    expect(record(200, SSE, `${chunk('stop')}data: [DONE]\n\n`, false)).toBeUndefined()
    expect(record(200, 'application/json', '{"id":', false)).toBeUndefined()
    expect(record(500, 'application/json', '{"error":{}}')).toBeUndefined()
    expect(record(200, 'text/plain', 'hello')).toBeUndefined()
    expect(record(200, 'application/json', '{"big":"0123456789"}', true, 10)).toBeUndefined()
  })
})

describe('cache stores and directives', () => {
  it('bounds the memory store in bytes, least recently used first', () => {
    const store = new MemoryCacheStore({ maxBytes: 1000, maxEntryBytes: 500, ttlMs: 60_000 })
    const reply = (n: number) => ({
      kind: 'json' as const,
      contentType: 'application/json',
      body: Buffer.alloc(n),
      eventEnds: [],
    })
    store.set('a', reply(300))
    store.set('b', reply(300))
    expect(store.get('a')).toBeDefined() // a is now the most recent
    store.set('c', reply(300))
    expect(store.get('b')).toBeUndefined()
    expect(store.get('a')).toBeDefined()
    expect(store.stats()).toEqual({ entries: 2, bytes: 2 * (300 + 128) })
    store.set('huge', reply(5000))
    expect(store.get('huge')).toBeUndefined()
  })

  it('encodes a reply for Redis and back', () => {
    const reply = {
      kind: 'sse' as const,
      contentType: SSE,
      body: Buffer.from('data: [DONE]\n\n'),
      eventEnds: [14],
    }
    expect(decodeReply(encodeReply(reply))).toEqual(reply)
    expect(decodeReply(Buffer.from('garbage'))).toBeUndefined()
  })

  it('bypasses on no-cache or no-store, and asks for the header when told to', () => {
    expect(cacheDirective({}, 'always')).toBe('use')
    expect(cacheDirective({ 'cache-control': 'no-cache' }, 'always')).toBe('bypass')
    expect(cacheDirective({ 'cache-control': 'max-age=0, no-store' }, 'always')).toBe('bypass')
    expect(cacheDirective({ 'cache-control': 'max-age=60' }, 'always')).toBe('use')
    expect(cacheDirective({}, 'header')).toBe('bypass')
    expect(cacheDirective({ 'x-velox-cache': 'use' }, 'header')).toBe('use')
  })

  it('never replays SSE to a JSON request, and counts what it did', () => {
    const cache = new ResponseCache(resolveCache({ ttlMs: 60_000, models: ['gpt-4o*'] })!)
    expect(cache.applies('gpt-4o-mini')).toBe(true)
    expect(cache.applies('o3')).toBe(false)
    const req = {
      headers: {},
      model: 'gpt-4o',
      upstream: 'u',
      path: '/v1/chat/completions',
      stream: true,
      scope: 's',
      body,
    }
    const miss = cache.lookup(req)
    expect(miss).toMatchObject({ outcome: 'miss' })
    const k = (miss as { key: string }).key
    const rec = cache.recorder(200, SSE)
    rec.onChunk(Buffer.from(`${chunk('stop')}data: [DONE]\n\n`))
    expect(cache.finish(k, rec, true)).toBe(true)
    expect(cache.lookup(req)).toMatchObject({ outcome: 'hit' })
    // A store that hands back an SSE entry under a JSON request's key is still a miss.
    cache.store.set(cacheKey({ ...req, stream: false }), cache.store.get(k) as never)
    expect(cache.lookup({ ...req, stream: false })).toMatchObject({ outcome: 'miss' })
    expect(cache.lookup({ ...req, headers: { 'cache-control': 'no-cache' } })).toEqual({ outcome: 'bypass' })
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, bypasses: 1, stored: 1, entries: 2 })
  })

  it('names the field of a bad option', () => {
    expect(() => resolveCache({})).toThrow(
      'cache.ttlMs must be an integer >= 1 (milliseconds) (got undefined)',
    )
    expect(() => resolveCache({ ttlMs: 1, maxBytes: 10, maxEntryBytes: 20 })).toThrow(
      /cache\.maxEntryBytes must be at most/,
    )
    expect(() => resolveCache({ ttlMs: 1, store: 'disk' })).toThrow(/cache\.store must be an object/)
    expect(() => resolveCache({ ttlMs: 1, ttl: 5 })).toThrow(/cache\.ttl must be one of/)
    expect(() => resolveCache({ ttlMs: 1, models: [''] })).toThrow(/cache\.models\[0\] must be/)
    expect(resolveCache({ ttlMs: 5 })).toMatchObject({
      maxBytes: 64 * 1024 * 1024,
      maxEntryBytes: 8 * 1024 * 1024,
      when: 'always',
    })
  })
})
