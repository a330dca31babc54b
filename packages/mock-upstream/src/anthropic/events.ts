/**
 * The streaming event sequence of a planned reply, in the order the real API sends it:
 * message_start, then per block content_block_start, its deltas and content_block_stop (a ping
 * after the first block start), message_delta with the stop reason and output usage, message_stop.
 * `x-mock-stream-error: <type>` replaces the second half with an `error` event, as the real API
 * does when it overloads mid-stream (the status stays 200).
 */
import { anthropicErrorBody, errorMessage } from './dialect.js'
import type { PlannedBlock, PlannedReply } from './reply.js'

/** A named event, as Anthropic frames them. */
export function namedEvent(type: string, payload: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`
}

function startBlock(block: PlannedBlock): object {
  if (block.type === 'thinking') return { type: 'thinking', thinking: '', signature: '' }
  if (block.type === 'text') return { type: 'text', text: '', citations: null }
  return { type: 'tool_use', id: block.id, name: block.name, input: {} }
}

function delta(block: PlannedBlock, piece: string): object {
  if (block.type === 'thinking') return { type: 'thinking_delta', thinking: piece }
  if (block.type === 'text') return { type: 'text_delta', text: piece }
  return { type: 'input_json_delta', partial_json: piece }
}

/** The `usage` object of a message. */
export function messageUsage(reply: PlannedReply, outputTokens: number): object {
  return {
    input_tokens: reply.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: reply.cacheReadTokens,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  }
}

/** Builds every event of the stream (each one write). */
export function streamEvents(
  message: { id: string; model: string },
  reply: PlannedReply,
  streamError: string | undefined,
): string[] {
  const start = {
    ...message,
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: messageUsage(reply, 1),
  }
  const events = [namedEvent('message_start', { message: start })]
  reply.blocks.forEach((block, index) => {
    events.push(namedEvent('content_block_start', { index, content_block: startBlock(block) }))
    if (index === 0) events.push(namedEvent('ping', {}))
    if (block.type === 'tool_use')
      events.push(namedEvent('content_block_delta', { index, delta: delta(block, '') }))
    for (const piece of block.pieces)
      events.push(namedEvent('content_block_delta', { index, delta: delta(block, piece) }))
    if (block.type === 'thinking') {
      events.push(
        namedEvent('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: block.signature },
        }),
      )
    }
    events.push(namedEvent('content_block_stop', { index }))
  })
  const usage = {
    input_tokens: reply.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: reply.cacheReadTokens,
    output_tokens: reply.outputTokens,
  }
  const stop = { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence }
  events.push(namedEvent('message_delta', { delta: stop, usage }))
  events.push(namedEvent('message_stop', {}))
  if (streamError === undefined) return events
  const kept = events.slice(0, Math.max(1, Math.floor(events.length / 2)))
  const error = anthropicErrorBody(streamError, errorMessage(streamError, 0))
  return [...kept, `event: error\ndata: ${JSON.stringify({ type: 'error', error: error.error })}\n\n`]
}
