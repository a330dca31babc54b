import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { createGateway, VeloxOptionsError } from '../../src/index.js'
import { GatewayTracing } from '../../src/tracing/gateway-tracing.js'
import { loadOtelApi } from '../../src/tracing/otel-api.js'
import { resolveTracing } from '../../src/tracing/tracing-options.js'

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function setup(captureContent = false) {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new TestReader()
  const meters = new MeterProvider({ readers: [reader] })
  const tracing = resolveTracing({
    tracer: provider.getTracer('t'),
    meter: meters.getMeter('m'),
    captureContent,
  })!
  return { exporter, reader, tracing: new GatewayTracing(tracing) }
}

const upstream = { name: 'default', origin: 'http://127.0.0.1:4010', auth: 'bearer' }
const body = Buffer.from(
  '{"model":"gpt-4o-mini","temperature":0.5,"messages":[{"role":"user","content":"hi"}]}',
)
const reply = Buffer.from(
  '{"id":"chatcmpl-9","model":"gpt-4o-mini-2024","choices":[{"finish_reason":"stop","message":{"content":"yo"}}],"usage":{"prompt_tokens":4,"completion_tokens":2}}',
)

describe('tracing options', () => {
  it('is off unless set, and checks every field by name', () => {
    expect(resolveTracing(undefined)).toBeNull()
    expect(resolveTracing(false)).toBeNull()
    expect(resolveTracing(true)).toMatchObject({ captureContent: false, propagate: true })
    expect(() => resolveTracing('yes')).toThrow(
      new VeloxOptionsError(
        'tracing must be a boolean or an object { tracer, meter, captureContent, propagate } (got "yes")',
      ),
    )
    expect(() =>
      createGateway({
        upstream: { origin: 'http://127.0.0.1:9' },
        tracing: { captureContents: true } as never,
      }),
    ).toThrow(
      new VeloxOptionsError(
        'tracing.captureContents is not a known option; did you mean tracing.captureContent?',
      ),
    )
    expect(() => resolveTracing({ propagate: 'no' })).toThrow(
      'tracing.propagate must be a boolean (got "no")',
    )
    expect(() => resolveTracing({ tracer: {} })).toThrow(
      'tracing.tracer must be an OpenTelemetry Tracer (with startSpan) (got "object")',
    )
  })

  it('names the missing optional peer dependency', () => {
    expect(() => loadOtelApi('velox-no-such-otel')).toThrow(
      new VeloxOptionsError(
        'tracing needs the optional peer dependency "velox-no-such-otel" (npm i velox-no-such-otel), which is not installed',
      ),
    )
  })
})

describe('ExchangeTrace', () => {
  it('makes one CLIENT span per exchange with the GenAI attributes, retries and fallbacks as events', async () => {
    const { exporter, tracing, reader } = setup()
    const t = tracing.begin({
      apiPath: '/chat/completions',
      model: 'gpt-4o-mini',
      body,
    })!
    expect(t.recording).toBe(true)
    t.attempt({ upstream, index: 0, fallback: false })
    t.attempt({ upstream, index: 1, fallback: false, reason: '503' })
    t.attempt({
      upstream: { name: 'backup', origin: 'https://api.example.com', auth: 'bearer' },
      index: 2,
      fallback: true,
      reason: '503',
    })
    expect(t.traceparent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    t.onResponseHead(false)
    t.onResponseChunk(reply.subarray(0, 20))
    t.onResponseChunk(reply.subarray(20))
    t.end({ status: 200, inputTokens: 4, outputTokens: 2 })
    const [span, ...more] = exporter.getFinishedSpans()
    expect(more).toEqual([])
    expect(span!.name).toBe('chat gpt-4o-mini')
    expect(span!.kind).toBe(2) // CLIENT
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.5,
      'gen_ai.provider.name': 'openai',
      'server.address': 'api.example.com',
      'server.port': 443,
      'gen_ai.response.id': 'chatcmpl-9',
      'gen_ai.response.model': 'gpt-4o-mini-2024',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 4,
      'gen_ai.usage.output_tokens': 2,
      'http.response.status_code': 200,
    })
    expect(span!.events.map((e) => [e.name, e.attributes])).toEqual([
      ['velox.retry', { 'velox.attempt': 2, 'velox.upstream': 'default', 'velox.retry.reason': '503' }],
      ['velox.fallback', { 'velox.attempt': 3, 'velox.upstream': 'backup', 'velox.retry.reason': '503' }],
    ])
    expect(t.traceparent()).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`)
    const { resourceMetrics } = await reader.collect()
    const points = resourceMetrics.scopeMetrics[0]!.metrics.map((m) => [
      m.descriptor.name,
      m.descriptor.unit,
      m.dataPoints.map((p) => [p.attributes['gen_ai.token.type'], (p.value as { sum: number }).sum]),
    ])
    expect(points).toEqual([
      ['gen_ai.client.operation.duration', 's', [[undefined, expect.any(Number)]]],
      [
        'gen_ai.client.token.usage',
        '{token}',
        [
          ['input', 4],
          ['output', 2],
        ],
      ],
    ])
  })

  it('marks a failed exchange with error.type and an error status', () => {
    const { exporter, tracing } = setup()
    const t = tracing.begin({
      apiPath: '/chat/completions',
      model: 'm',
      body,
    })!
    t.attempt({ upstream, index: 0, fallback: false })
    t.end({ status: 504, errorType: 'VELOX_ERR_UPSTREAM_TIMEOUT' })
    const span = exporter.getFinishedSpans()[0]!
    expect(span.attributes['error.type']).toBe('VELOX_ERR_UPSTREAM_TIMEOUT')
    expect(span.status).toEqual({ code: 2, message: 'VELOX_ERR_UPSTREAM_TIMEOUT' })
    const upstreamError = tracing.begin({
      apiPath: '/embeddings',
      model: 'e',
      body: undefined,
    })!
    upstreamError.end({ status: 429 })
    expect(exporter.getFinishedSpans()[1]!.attributes['error.type']).toBe('429')
    expect(exporter.getFinishedSpans()[1]!.name).toBe('embeddings e')
  })

  it('records message content only with captureContent', () => {
    const off = setup(false)
    const a = off.tracing.begin({
      apiPath: '/chat/completions',
      model: 'm',
      body,
    })!
    a.onResponseHead(false)
    a.onResponseChunk(reply)
    a.end({ status: 200 })
    expect(
      Object.keys(off.exporter.getFinishedSpans()[0]!.attributes).filter((k) => k.includes('messages')),
    ).toEqual([])
    const on = setup(true)
    const b = on.tracing.begin({
      apiPath: '/chat/completions',
      model: 'm',
      body,
    })!
    b.onResponseHead(false)
    b.onResponseChunk(reply)
    b.end({ status: 200 })
    expect(on.exporter.getFinishedSpans()[0]!.attributes).toMatchObject({
      'gen_ai.input.messages': '[{"role":"user","content":"hi"}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"text","content":"yo"}],"finish_reason":"stop"}]',
    })
  })

  it('does no tracing work when neither a tracer nor a meter provider is registered (the API no-ops)', () => {
    trace.disable()
    metrics.disable()
    const tracing = new GatewayTracing(resolveTracing(true)!)
    expect(tracing.begin({ apiPath: '/chat/completions', model: 'm', body })).toBeUndefined()
  })

  it('records metrics with no tracer provider once a meter provider is registered', async () => {
    trace.disable()
    const reader = new TestReader()
    const tracing = new GatewayTracing(resolveTracing(true)!)
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
    const t = tracing.begin({ apiPath: '/chat/completions', model: 'm', body })!
    expect(t.recording).toBe(false)
    expect(t.traceparent()).toBeUndefined()
    t.attempt({ upstream, index: 0, fallback: false })
    t.onResponseHead(false)
    t.onResponseChunk(reply)
    t.end({ status: 200, inputTokens: 4, outputTokens: 2 })
    const { resourceMetrics } = await reader.collect()
    const tokens = resourceMetrics.scopeMetrics[0]!.metrics.find(
      (m) => m.descriptor.name === 'gen_ai.client.token.usage',
    )!
    expect(tokens.dataPoints.map((p) => (p.value as { sum: number }).sum).sort()).toEqual([2, 4])
    metrics.disable()
  })
})
