/**
 * POST /v1/responses: a `response` object, or with `stream: true` the typed events the real API sends,
 * from `response.created` to `response.completed` (or `response.incomplete` when `max_output_tokens`
 * cut the reply). The Responses API ends its streams without `[DONE]`.
 */
import { type Completion, complete, contentBytes, contentText, estimateTokens } from './completion-text.js'
import type { Exchange } from './exchange.js'
import {
  invalidType,
  isJsonObject,
  type JsonObject,
  optionalPositiveInteger,
  requireModel,
} from './fields.js'
import { sendJson } from './reply.js'
import { sendEventStream, typedEvent } from './sse.js'

interface Prompt {
  readonly lastUserText: string
  readonly bytes: number
}

/** Reads `input` (a string or a list of items) and `instructions`. */
function readPrompt(body: JsonObject): Prompt {
  const { input, instructions } = body
  let bytes = typeof instructions === 'string' ? Buffer.byteLength(instructions) : 0
  if (input === undefined || input === null) return { lastUserText: '', bytes }
  if (typeof input === 'string') return { lastUserText: input, bytes: bytes + Buffer.byteLength(input) }
  if (!Array.isArray(input)) throw invalidType('input', 'a string or an array')
  let lastUserText = ''
  for (const item of input) {
    if (!isJsonObject(item)) continue
    bytes += contentBytes(item.content)
    if (item.role === 'user') lastUserText = contentText(item.content)
  }
  return { lastUserText, bytes }
}

function outputText(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text }
}

/**
 * Replies to a Responses API request.
 *
 * @example
 * // curl -d '{"model":"gpt-4o-mini","input":"hi"}' .../v1/responses
 * // -> output[0].content[0].text === 'Mock reply to: hi'
 */
export async function responses(ex: Exchange, body: JsonObject): Promise<void> {
  const model = requireModel(body)
  const maxOutputTokens = optionalPositiveInteger(body, 'max_output_tokens')
  const prompt = readPrompt(body)
  const completion: Completion = complete(prompt.lastUserText, ex.controls.chunks, maxOutputTokens)
  const inputTokens = estimateTokens(prompt.bytes)
  const outputTokens = completion.pieces.length
  const status = completion.truncated ? 'incomplete' : 'completed'
  const messageId = `msg_${ex.identity.hex.slice(16, 64)}`
  const message = (itemStatus: string, content: object[]) => ({
    id: messageId,
    type: 'message',
    status: itemStatus,
    content,
    role: 'assistant',
  })
  const finalMessage = message(status, [outputText(completion.text)])

  const response = (state: string, output: object[], usage: object | null) => ({
    id: `resp_${ex.identity.hex.slice(0, 48)}`,
    object: 'response',
    created_at: ex.identity.created,
    status: state,
    background: false,
    error: null,
    incomplete_details: state === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: maxOutputTokens ?? null,
    max_tool_calls: null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: body.metadata ?? {},
  })
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  }

  if (body.stream !== true) {
    await sendJson(ex, 200, response(status, [finalMessage], usage))
    return
  }

  const events: string[] = []
  const push = (type: string, fields: object) => events.push(typedEvent(type, events.length, fields))
  const at = { item_id: messageId, output_index: 0, content_index: 0 }
  push('response.created', { response: response('in_progress', [], null) })
  push('response.in_progress', { response: response('in_progress', [], null) })
  push('response.output_item.added', { output_index: 0, item: message('in_progress', []) })
  push('response.content_part.added', { ...at, part: outputText('') })
  for (const piece of completion.pieces)
    push('response.output_text.delta', { ...at, delta: piece, logprobs: [] })
  push('response.output_text.done', { ...at, text: completion.text, logprobs: [] })
  push('response.content_part.done', { ...at, part: outputText(completion.text) })
  push('response.output_item.done', { output_index: 0, item: finalMessage })
  push(`response.${status}`, { response: response(status, [finalMessage], usage) })
  await sendEventStream(ex, events)
}
