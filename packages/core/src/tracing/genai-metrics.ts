/**
 * The two GenAI client metrics of the OpenTelemetry conventions, through the OTel metrics API:
 * `gen_ai.client.token.usage` (tokens per request, by `gen_ai.token.type`) and
 * `gen_ai.client.operation.duration` (seconds per request). Created on first use, so a meter
 * provider the app registers after creating the gateway (but before its first request) is the one
 * used; with no provider, the API's no-op meter records nothing.
 */
import type { Attributes, HistogramLike, MeterLike } from './otel-api.js'

// The conventions' advised bucket boundaries for these two histograms.
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]

export interface TokenCounts {
  inputTokens: number | undefined
  outputTokens: number | undefined
}

export class GenAiMetrics {
  readonly #meter: MeterLike
  #tokens: HistogramLike | undefined = undefined
  #duration: HistogramLike | undefined = undefined

  constructor(meter: MeterLike) {
    this.#meter = meter
  }

  /** One finished exchange: its duration, and its tokens when the upstream reported them. */
  record(seconds: number, tokens: TokenCounts, attributes: Attributes): void {
    this.#duration ??= this.#meter.createHistogram('gen_ai.client.operation.duration', {
      description: 'GenAI operation duration',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    })
    this.#tokens ??= this.#meter.createHistogram('gen_ai.client.token.usage', {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    })
    this.#duration.record(seconds, attributes)
    if (attributes['error.type'] !== undefined) return // the conventions record tokens of successful calls
    if (tokens.inputTokens !== undefined) {
      this.#tokens.record(tokens.inputTokens, { ...attributes, 'gen_ai.token.type': 'input' })
    }
    if (tokens.outputTokens !== undefined) {
      this.#tokens.record(tokens.outputTokens, { ...attributes, 'gen_ai.token.type': 'output' })
    }
  }
}
