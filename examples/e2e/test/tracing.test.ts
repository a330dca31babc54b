/**
 * OpenTelemetry GenAI tracing through each adapter as an app would set it up: the OTel SDK's
 * in-memory span exporter and a metric reader, the app's own span active around Velox (an HTTP
 * server instrumentation's stand-in), the mock upstream behind. One CLIENT span per exchange, a
 * child of the app's span, with the GenAI attributes read from the real response (JSON and SSE),
 * retries as span events, `traceparent` at the upstream, and the token metrics.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { context, type Span, type Tracer, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import type { TracingOptions } from '@velox/core'
import { veloxMiddleware as expressVelox } from '@velox/express'
import { veloxPlugin } from '@velox/fastify'
import { veloxMiddleware as koaVelox } from '@velox/koa'
import { createMockUpstream, MOCK_HEADERS, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

type Framework = 'express' | 'koa' | 'fastify'
interface App {
  url: string
  close(): Promise<void>
}

/** An app with its own span active around Velox, the way an HTTP server instrumentation does it. */
async function appWith(framework: Framework, tracing: TracingOptions, appTracer: Tracer, origin: string) {
  const options = { upstream: { origin, apiKey: 'sk-upstream' }, retry: { baseDelayMs: 1 }, tracing }
  const begin = () => appTracer.startSpan('app request')
  if (framework === 'express') {
    const app = express()
    app.use((_req, res, next) => {
      const span = begin()
      res.on('finish', () => span.end())
      context.with(trace.setSpan(context.active(), span), next)
    })
    app.use(expressVelox(options))
    return listen(createServer(app))
  }
  if (framework === 'koa') {
    const app = new Koa()
    app.use(async (_ctx, next) => {
      const span = begin()
      await context.with(trace.setSpan(context.active(), span), next)
      span.end()
    })
    app.use(koaVelox(options))
    return listen(createServer(app.callback()))
  }
  const app = Fastify()
  app.addHook('onRequest', (request, _reply, done) => {
    const span = begin()
    ;(request as unknown as { span: Span }).span = span
    context.with(trace.setSpan(context.active(), span), done)
  })
  app.addHook('onResponse', async (request) => (request as unknown as { span: Span }).span.end())
  await app.register(veloxPlugin, options)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  }
}

const parentId = (span: ReadableSpan) =>
  (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId

describe.each(['express', 'koa', 'fastify'] as const)('tracing through %s', (framework) => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new TestReader()
  const meters = new MeterProvider({ readers: [reader] })
  const contextManager = new AsyncLocalStorageContextManager()
  let mock: MockUpstream
  let app: App
  let quiet: App

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable())
    mock = await createMockUpstream()
    const tracer = provider.getTracer('velox-under-test')
    app = await appWith(framework, { tracer, meter: meters.getMeter('velox') }, tracer, mock.url)
    quiet = await appWith(framework, { tracer, propagate: false }, tracer, mock.url)
  })
  afterAll(async () => {
    await app.close()
    await quiet.close()
    await mock.close()
    context.disable()
  })
  beforeEach(() => {
    exporter.reset()
    mock.reset()
  })

  const velox = () => exporter.getFinishedSpans().filter((s) => s.name !== 'app request')
  const appSpan = () => exporter.getFinishedSpans().find((s) => s.name === 'app request')!

  it('makes one CLIENT span, a child of the app span, with the GenAI attributes of a JSON reply', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'trace me' }],
      temperature: 0.3,
      max_tokens: 50,
    })
    expect(res.status).toBe(200)
    const reply = JSON.parse(res.body.toString())
    await expect.poll(() => exporter.getFinishedSpans().length).toBe(2)
    const [span] = velox()
    expect(span!.name).toBe('chat gpt-4o-mini')
    expect(span!.kind).toBe(2) // CLIENT
    expect(parentId(span!)).toBe(appSpan().spanContext().spanId)
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.max_tokens': 50,
      'gen_ai.provider.name': 'openai',
      'server.address': '127.0.0.1',
      'server.port': mock.port,
      'gen_ai.response.id': reply.id,
      'gen_ai.response.model': reply.model,
      'gen_ai.response.finish_reasons': [reply.choices[0].finish_reason],
      'gen_ai.usage.input_tokens': reply.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': reply.usage.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': reply.usage.prompt_tokens_details.cached_tokens,
      'http.response.status_code': 200,
    })
    expect(span!.events).toEqual([])
    const { traceId, spanId } = span!.spanContext()
    expect(mock.received[0]!.headers.traceparent).toBe(`00-${traceId}-${spanId}-01`)
    expect(JSON.stringify(span!.attributes)).not.toContain('trace me') // no content unless captureContent
  })

  it('reads a streamed reply (finish reason and usage from the last events)', async () => {
    const res = await postJson(
      `${app.url}/v1/chat/completions`,
      {
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'stream me' }],
      },
      { [MOCK_HEADERS.chunks]: '5' },
    )
    expect(res.status).toBe(200)
    const events = res.body
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)))
    const last = events.at(-1)
    await expect.poll(() => velox().length).toBe(1)
    expect(velox()[0]!.attributes).toMatchObject({
      'gen_ai.response.id': last.id,
      'gen_ai.response.model': last.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': last.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': last.usage.completion_tokens,
    })
  })

  it('records a retry as a span event and keeps one span for the exchange', async () => {
    const res = await postJson(
      `${app.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'retry me' }] },
      {
        [MOCK_HEADERS.status]: '503',
        [MOCK_HEADERS.failFirst]: '1',
        [MOCK_HEADERS.failId]: `retry-${framework}`,
      },
    )
    expect(res.status).toBe(200)
    await expect.poll(() => velox().length).toBe(1)
    const [span] = velox()
    expect(span!.events.map((e) => [e.name, e.attributes])).toEqual([
      ['velox.retry', { 'velox.attempt': 2, 'velox.upstream': 'default', 'velox.retry.reason': '503' }],
    ])
    expect(mock.received).toHaveLength(2)
    // Both attempts carry the same span as their parent.
    expect(mock.received[0]!.headers.traceparent).toBe(mock.received[1]!.headers.traceparent)
  })

  it('marks an upstream error with error.type', async () => {
    const res = await postJson(
      `${app.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail' }] },
      { [MOCK_HEADERS.status]: '400' },
    )
    expect(res.status).toBe(400)
    await expect.poll(() => velox().length).toBe(1)
    expect(velox()[0]!.attributes['error.type']).toBe('400')
    expect(velox()[0]!.status).toEqual({ code: 2, message: '400' })
  })

  it("passes the client's traceparent through untouched when propagate is off", async () => {
    const client = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const res = await postJson(
      `${quiet.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'quiet' }] },
      { traceparent: client },
    )
    expect(res.status).toBe(200)
    expect(mock.received[0]!.headers.traceparent).toBe(client)
    await expect.poll(() => velox().length).toBe(1)
  })

  it('records gen_ai.client.token.usage and gen_ai.client.operation.duration', async () => {
    const { resourceMetrics } = await reader.collect()
    const byName = new Map(
      resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]),
    )
    const tokens = byName.get('gen_ai.client.token.usage')!
    expect(tokens.descriptor.unit).toBe('{token}')
    expect(tokens.dataPoints.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual([
      'input',
      'output',
    ])
    for (const point of tokens.dataPoints) {
      expect(point.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'server.address': '127.0.0.1',
      })
    }
    const duration = byName.get('gen_ai.client.operation.duration')!
    expect(duration.descriptor.unit).toBe('s')
    // Four exchanges on the traced app so far: JSON, stream, retry (one exchange), the 400.
    const count = duration.dataPoints.reduce((n, p) => n + (p.value as { count: number }).count, 0)
    expect(count).toBe(4)
  })
})

describe('tracing an exchange translated to an Anthropic upstream', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  let mock: MockUpstream
  let app: App

  beforeAll(async () => {
    mock = await createMockUpstream()
    const express_ = express()
    express_.use(
      expressVelox({
        upstreams: [{ name: 'claude', origin: mock.url, apiKey: 'sk-upstream', auth: 'anthropic' }],
        tracing: { tracer: provider.getTracer('velox-under-test') },
      }),
    )
    app = await listen(createServer(express_))
  })
  afterAll(async () => {
    await app.close()
    await mock.close()
  })

  it("reads the upstream's own events (before translation) for the span", async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, {
      model: 'claude-sonnet',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hello claude' }],
    })
    expect(res.status).toBe(200)
    const usage = res.body
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)))
      .find((e) => e.usage)?.usage
    expect(mock.received[0]!.path).toBe('/v1/messages')
    await expect.poll(() => exporter.getFinishedSpans().length).toBe(1)
    const span = exporter.getFinishedSpans()[0]!
    expect(span.name).toBe('chat claude-sonnet')
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.model': 'claude-sonnet',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
    })
    expect(String(span.attributes['gen_ai.response.id'])).toMatch(/^msg_/)
  })
})
