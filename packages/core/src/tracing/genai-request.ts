/**
 * What the OpenTelemetry GenAI semantic conventions record about a request, read from its body:
 * the operation (from the API path), the provider (from the upstream's auth style), the model and
 * the sampling parameters that are present. Runs only for a span that records, so the body is
 * parsed with JSON.parse here (the gateway's own scan reads only the fields routing needs).
 * Message content is returned only when `captureContent` is on.
 */
import type { Attributes } from './otel-api.js'

/** `gen_ai.operation.name` for an API path (the part after the prefix). */
export function operationName(apiPath: string): string {
  const path = apiPath.split('?', 1)[0]!
  if (path.endsWith('/chat/completions') || path === '/messages' || path.endsWith('/messages')) return 'chat'
  if (path === '/responses' || path.endsWith('/responses')) return 'chat'
  if (path.endsWith('/completions')) return 'text_completion'
  if (path.endsWith('/embeddings')) return 'embeddings'
  const first = path.split('/').find((part) => part !== '')
  return first ?? 'request'
}

/**
 * `gen_ai.provider.name` for an upstream (the conventions' well-known values): its API format
 * first (an `anthropic` upstream is Anthropic's API), then its auth style (`api-key` is Azure).
 */
export function providerName(auth: string, format?: string): string {
  if (format === 'anthropic' || auth === 'anthropic') return 'anthropic'
  if (auth === 'api-key') return 'azure.ai.openai'
  return 'openai'
}

const NUMERIC: ReadonlyArray<[string, string]> = [
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['top_k', 'gen_ai.request.top_k'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
  ['n', 'gen_ai.request.choice.count'],
]
const MAX_TOKENS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const

function parseObject(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (body === undefined || body.length === 0) return undefined
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const own = (o: Record<string, unknown>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined)

/**
 * The request's sampling attributes (only those present, with the right type), and its messages
 * as `gen_ai.input.messages` when `captureContent`.
 */
export function requestAttributes(body: Buffer | undefined, captureContent: boolean): Attributes {
  const attributes: Attributes = {}
  const o = parseObject(body)
  if (o === undefined) return attributes
  for (const [field, name] of NUMERIC) {
    const v = own(o, field)
    if (typeof v === 'number' && Number.isFinite(v)) attributes[name] = v
  }
  for (const field of MAX_TOKENS) {
    const v = own(o, field)
    if (typeof v === 'number' && Number.isFinite(v)) {
      attributes['gen_ai.request.max_tokens'] = v
      break
    }
  }
  const stop = own(o, 'stop') ?? own(o, 'stop_sequences')
  if (typeof stop === 'string') attributes['gen_ai.request.stop_sequences'] = [stop]
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) {
    attributes['gen_ai.request.stop_sequences'] = stop as string[]
  }
  const format = own(o, 'encoding_format')
  if (typeof format === 'string') attributes['gen_ai.request.encoding_formats'] = [format]
  if (captureContent) {
    const messages = own(o, 'messages') ?? own(o, 'input')
    if (messages !== undefined) attributes['gen_ai.input.messages'] = JSON.stringify(messages)
    const system = own(o, 'system') ?? own(o, 'instructions')
    if (system !== undefined) attributes['gen_ai.system_instructions'] = JSON.stringify(system)
  }
  return attributes
}
