/**
 * The deterministic Anthropic "model": what a Messages request gets back, as content blocks that
 * both the JSON reply and the event stream are built from. A thinking block comes first when
 * `thinking` is enabled; a `tool_use` block when `tool_choice` forces a tool (`any` or `tool`);
 * otherwise the text `Mock reply to: <last user text>` in word pieces, capped by `max_tokens` and
 * cut at a stop sequence. Every delta of the stream is one output token. Text of blocks marked
 * `cache_control` counts as cache reads, the rest as input tokens.
 */
import { createHash } from 'node:crypto'
import { complete, contentText, estimateTokens, splitPieces } from '../completion-text.js'
import type { Controls } from '../controls.js'
import { invalidType, isJsonObject, type JsonObject, optionalPositiveInteger, required } from '../fields.js'

/** A content block with the pieces it streams as. */
export type PlannedBlock =
  | { readonly type: 'thinking'; readonly pieces: string[]; readonly signature: string }
  | { readonly type: 'text'; readonly pieces: string[] }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly pieces: string[] }

/** The whole reply. */
export interface PlannedReply {
  readonly blocks: PlannedBlock[]
  readonly stopReason: string
  readonly stopSequence: string | null
  readonly inputTokens: number
  readonly cacheReadTokens: number
  readonly outputTokens: number
}

function blockText(block: unknown): string {
  if (!isJsonObject(block)) return ''
  if (typeof block.text === 'string') return block.text
  if (block.type === 'tool_result') return contentText(block.content)
  return ''
}

/** Bytes of all prompt text, split into cached (blocks with cache_control) and not. */
function promptBytes(body: JsonObject): { plain: number; cached: number } {
  const totals = { plain: 0, cached: 0 }
  const add = (content: unknown) => {
    if (typeof content === 'string') totals.plain += Buffer.byteLength(content)
    else if (Array.isArray(content)) {
      for (const block of content) {
        const bytes = Buffer.byteLength(blockText(block))
        if (isJsonObject(block) && isJsonObject(block.cache_control)) totals.cached += bytes
        else totals.plain += bytes
      }
    }
  }
  add(body.system)
  for (const message of body.messages as unknown[]) if (isJsonObject(message)) add(message.content)
  return totals
}

function lastUserText(messages: unknown[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]
    if (!isJsonObject(message) || message.role !== 'user') continue
    if (typeof message.content === 'string') return message.content
    if (Array.isArray(message.content)) return message.content.map(blockText).join(' ')
  }
  return ''
}

function forcedTool(body: JsonObject): string | undefined {
  const choice = body.tool_choice
  if (!isJsonObject(choice) || !Array.isArray(body.tools) || body.tools.length === 0) return undefined
  if (choice.type === 'tool' && typeof choice.name === 'string') return choice.name
  const first = body.tools[0]
  return choice.type === 'any' && isJsonObject(first) && typeof first.name === 'string'
    ? first.name
    : undefined
}

/** Splits a tool input's JSON in up to three pieces, as the real API streams `input_json_delta`s. */
function jsonPieces(json: string): string[] {
  const third = Math.ceil(json.length / 3)
  return [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)].filter((p) => p !== '')
}

function cutAtStop(pieces: string[], stops: unknown): { pieces: string[]; stop: string | null } {
  if (!Array.isArray(stops)) return { pieces, stop: null }
  let text = ''
  for (let index = 0; index < pieces.length; index++) {
    text += pieces[index]
    const stop = stops.find((s) => typeof s === 'string' && s !== '' && text.includes(s))
    if (stop !== undefined) return { pieces: splitPieces(text.slice(0, text.indexOf(stop))), stop }
  }
  return { pieces, stop: null }
}

/** Plans the reply to a Messages request; throws the 400 the real API gives for a bad field. */
export function planReply(body: JsonObject, controls: Controls, hex: string): PlannedReply {
  const messages = required(body, 'messages')
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array')
  const maxTokens = optionalPositiveInteger(body, 'max_tokens')
  if (maxTokens === undefined) required(body, 'max_tokens')
  const prompt = lastUserText(messages)
  const blocks: PlannedBlock[] = []
  const thinking = isJsonObject(body.thinking) && body.thinking.type === 'enabled'
  if (thinking) {
    const text = `Thinking about: ${prompt}`
    const signature = createHash('sha256').update(text).digest('base64') // the same in JSON and in a stream
    blocks.push({ type: 'thinking', pieces: splitPieces(text), signature })
  }
  let stopReason = 'end_turn'
  let stopSequence: string | null = null
  const tool = forcedTool(body)
  if (tool !== undefined) {
    const json = JSON.stringify({ query: prompt })
    blocks.push({ type: 'tool_use', id: `toolu_${hex.slice(0, 24)}`, name: tool, pieces: jsonPieces(json) })
    stopReason = 'tool_use'
  } else {
    const completion = complete(prompt, controls.chunks, maxTokens)
    const cut = cutAtStop([...completion.pieces], body.stop_sequences)
    blocks.push({ type: 'text', pieces: cut.pieces })
    if (cut.stop !== null) [stopReason, stopSequence] = ['stop_sequence', cut.stop]
    else if (completion.truncated) stopReason = 'max_tokens'
  }
  const bytes = promptBytes(body)
  return {
    blocks,
    stopReason,
    stopSequence,
    inputTokens: estimateTokens(bytes.plain),
    cacheReadTokens: estimateTokens(bytes.cached),
    outputTokens: blocks.reduce((sum, block) => sum + block.pieces.length, 0),
  }
}

/** A planned block as the Messages JSON reply carries it. */
export function finalBlock(block: PlannedBlock): JsonObject {
  const text = block.pieces.join('')
  if (block.type === 'thinking') return { type: 'thinking', thinking: text, signature: block.signature }
  if (block.type === 'text') return { type: 'text', text, citations: null }
  return { type: 'tool_use', id: block.id, name: block.name, input: JSON.parse(text) }
}
