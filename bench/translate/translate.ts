/**
 * What translation costs per request, beside what pass-through costs in the same run (issue 11's
 * "translation costs only on translated routes"). Pass-through's own per-request work in the
 * gateway is the field scan of the body and, when usage is wanted, the usage capture over the
 * response chunks; a translated request adds parsing the body, mapping it, serializing it, and
 * mapping the response (per event for SSE). One operation = one request's worth of that work, for
 * a 4 KB chat request (8 messages) and either a JSON reply or a 20-event stream fed in 20 chunks.
 * This is the translation's own CPU, not the whole proxied request's (HTTP, undici, sockets).
 */
import {
  AnthropicToChatStream,
  ChatToAnthropicStream,
  chatToMessagesRequest,
  completionToMessage,
  extractFields,
  messagesToChatRequest,
  messageToCompletion,
  TRANSLATE_DEFAULTS,
  UsageCapture,
} from '@velox/core/internal'
import { chatBody } from '../lib/bodies.js'
import { type GroupResult, keep, runGroup } from '../lib/suite.js'

const EVENTS = 20

function anthropicStream(): Buffer[] {
  const events: object[] = [
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [],
        usage: { input_tokens: 900, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
  ]
  while (events.length < EVENTS - 3) {
    events.push({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: ' lorem ipsum' },
    })
  }
  events.push(
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 16 },
    },
    { type: 'message_stop' },
  )
  return events.map((e) =>
    Buffer.from(`event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`),
  )
}

function chatStream(): Buffer[] {
  const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o' }
  const chunk = (delta: object, finish: string | null = null) =>
    Buffer.from(
      `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
    )
  const chunks = [chunk({ role: 'assistant', content: '' })]
  while (chunks.length < EVENTS - 3) chunks.push(chunk({ content: ' lorem ipsum' }))
  chunks.push(chunk({}, 'stop'))
  const usage = { prompt_tokens: 900, completion_tokens: 16, total_tokens: 916 }
  chunks.push(
    Buffer.from(`data: ${JSON.stringify({ ...head, choices: [], usage })}\n\n`),
    Buffer.from('data: [DONE]\n\n'),
  )
  return chunks
}

const MESSAGE_JSON = Buffer.from(
  JSON.stringify({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [{ type: 'text', text: 'lorem ipsum '.repeat(16) }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 900, output_tokens: 16 },
  }),
)

const COMPLETION_JSON = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'lorem ipsum '.repeat(16) }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 900, completion_tokens: 16, total_tokens: 916 },
  }),
)

/** An Anthropic Messages body of the same conversation as the chat body. */
function messagesBody(chat: Buffer): Buffer {
  const parsed = JSON.parse(chat.toString('utf8'))
  return Buffer.from(JSON.stringify({ ...parsed, messages: parsed.messages, max_tokens: 256 }))
}

function passThrough(body: Buffer, response: Buffer[], stream: boolean): void {
  keep(extractFields(body))
  const usage = new UsageCapture(stream)
  for (const chunk of response) usage.onChunk(chunk)
  keep(usage.finish())
}

export function benchTranslate(): GroupResult[] {
  const chat = chatBody(4 * 1024, 8)
  const messages = messagesBody(chat)
  const toClaude = anthropicStream()
  const toOpenAI = chatStream()
  const note = `One operation = one request: 4 KB body (8 messages) and its reply. Pass-through: the field scan and the usage capture the gateway runs anyway. Translated: the same scan, then parse, map and serialize the body, and map the reply.`
  return [
    runGroup(
      'translate, chat -> Messages, JSON reply',
      {
        'pass-through (baseline)': () => passThrough(chat, [MESSAGE_JSON], false),
        translated: () => {
          keep(extractFields(chat))
          const request = chatToMessagesRequest(JSON.parse(chat.toString('utf8')), TRANSLATE_DEFAULTS)
          keep(Buffer.from(JSON.stringify(request.body)))
          const reply = messageToCompletion(JSON.parse(MESSAGE_JSON.toString('utf8')), 1700000000)
          keep(Buffer.from(JSON.stringify(reply.body)))
        },
      },
      note,
    ),
    runGroup(
      `translate, chat -> Messages, SSE (${EVENTS} events)`,
      {
        'pass-through (baseline)': () => passThrough(chat, toClaude, true),
        translated: () => {
          keep(extractFields(chat))
          const request = chatToMessagesRequest(JSON.parse(chat.toString('utf8')), TRANSLATE_DEFAULTS)
          keep(Buffer.from(JSON.stringify(request.body)))
          const stream = new AnthropicToChatStream({ created: 1700000000, includeUsage: false })
          for (const chunk of toClaude) keep(stream.push(chunk))
          keep(stream.end())
        },
      },
      note,
    ),
    runGroup(
      'translate, Messages -> chat, JSON reply',
      {
        'pass-through (baseline)': () => passThrough(messages, [COMPLETION_JSON], false),
        translated: () => {
          keep(extractFields(messages))
          const request = messagesToChatRequest(JSON.parse(messages.toString('utf8')), TRANSLATE_DEFAULTS)
          keep(Buffer.from(JSON.stringify(request.body)))
          const reply = completionToMessage(JSON.parse(COMPLETION_JSON.toString('utf8')))
          keep(Buffer.from(JSON.stringify(reply.body)))
        },
      },
      note,
    ),
    runGroup(
      `translate, Messages -> chat, SSE (${EVENTS} events)`,
      {
        'pass-through (baseline)': () => passThrough(messages, toOpenAI, true),
        translated: () => {
          keep(extractFields(messages))
          const request = messagesToChatRequest(JSON.parse(messages.toString('utf8')), TRANSLATE_DEFAULTS)
          keep(Buffer.from(JSON.stringify(request.body)))
          const stream = new ChatToAnthropicStream()
          for (const chunk of toOpenAI) keep(stream.push(chunk))
          keep(stream.end())
        },
      },
      note,
    ),
  ]
}
