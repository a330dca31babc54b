/**
 * The soak's request kinds and how each reply is judged against its own request. Every request
 * carries a unique tag as its last user message; the mock upstream answers `Mock reply to: <tag>`,
 * so a reply that names another request's tag crossed over (a response written to the wrong
 * client: the bug a pooled buffer or a shared handler would cause), and a reply that should have
 * come and did not, or came wrong, is lost.
 */
import type { Dispatcher } from 'undici'

export const KINDS = [
  'json',
  'sse',
  'body-1mb',
  'body-8mb',
  'client-leaves',
  'reset-mid-stream',
  'retry-500',
] as const
export type Kind = (typeof KINDS)[number]

/** How often each kind comes up (a fixed cycle, so every run has the same mix). */
const WEIGHTS: Record<Kind, number> = {
  json: 30,
  sse: 20,
  'body-1mb': 6,
  'body-8mb': 2,
  'client-leaves': 8,
  'reset-mid-stream': 8,
  'retry-500': 10,
}

/** The kinds in cycle order, interleaved so that the rare ones are spread out. */
export const CYCLE: readonly Kind[] = (() => {
  const out: Kind[] = []
  const left = { ...WEIGHTS }
  while (Object.values(left).some((n) => n > 0)) {
    for (const kind of KINDS) {
      if (left[kind] > 0) {
        out.push(kind)
        left[kind]--
      }
    }
  }
  return out
})()

export type Outcome = 'ok' | 'cut' | 'left' | 'lost' | 'crossed'

const TAG = /soak-[0-9a-z]+-\d+/g

function filler(bytes: number): Buffer {
  // JSON-safe text with some escapes, as real prompts have.
  const unit = 'The quick brown fox \\"jumps\\" over the lazy dog. '
  return Buffer.from(unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes))
}

const FILLERS = { 'body-1mb': filler(1024 * 1024), 'body-8mb': filler(8 * 1024 * 1024) }

/** The request body for `kind`, its last user message being `tag`. */
export function body(kind: Kind, tag: string): Buffer {
  const stream = kind === 'sse' || kind === 'client-leaves' || kind === 'reset-mid-stream'
  const user = `{"role":"user","content":"${tag}"}`
  if (kind === 'body-1mb' || kind === 'body-8mb') {
    return Buffer.concat([
      Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"system","content":"'),
      FILLERS[kind],
      Buffer.from(`"},${user}]}`),
    ])
  }
  return Buffer.from(`{"model":"gpt-4o-mini","stream":${stream},"messages":[${user}]}`)
}

/** The control headers that make the mock misbehave for this kind (forwarded by the gateway). */
export function controlHeaders(kind: Kind, tag: string): Record<string, string> {
  if (kind === 'client-leaves') return { 'x-mock-chunks': '40', 'x-mock-chunk-delay-ms': '10' }
  if (kind === 'reset-mid-stream') return { 'x-mock-chunks': '8', 'x-mock-fault': 'reset-mid-stream' }
  if (kind === 'retry-500') return { 'x-mock-status': '500', 'x-mock-fail-first': '1', 'x-mock-fail-id': tag }
  return {}
}

/** Other requests' tags in `text`. */
function foreignTag(text: string, tag: string): boolean {
  for (const match of text.matchAll(TAG)) if (match[0] !== tag) return true
  return false
}

/** The text of an event stream's deltas. */
function streamText(raw: string): string {
  let text = ''
  for (const line of raw.split('\n')) {
    if (!line.startsWith('data: {')) continue
    const event = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }
    text += event.choices?.[0]?.delta?.content ?? ''
  }
  return text
}

export interface Judged {
  outcome: Outcome
  /** Why a request was lost (for the report). */
  reason?: string
}

/**
 * Sends one request of `kind` and judges its reply.
 *
 * @example
 * await send({ pool, kind: 'json', tag: 'soak-a1-7', timeoutMs: 30_000 }) // { outcome: 'ok' }
 */
export async function send(input: {
  pool: Dispatcher
  kind: Kind
  tag: string
  timeoutMs: number
}): Promise<Judged> {
  const { pool, kind, tag } = input
  const expected = `Mock reply to: ${tag}`
  const aborter = new AbortController()
  const timer = setTimeout(() => aborter.abort(new Error('no reply in time')), input.timeoutMs)
  let raw = ''
  let left = false
  try {
    const reply = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', ...controlHeaders(kind, tag) },
      body: body(kind, tag),
      signal: aborter.signal,
    })
    for await (const chunk of reply.body) {
      raw += (chunk as Buffer).toString()
      if (kind === 'client-leaves' && raw.includes('"content":"')) {
        left = true
        aborter.abort(new Error('client left'))
        break
      }
    }
    if (foreignTag(raw, tag)) return { outcome: 'crossed', reason: raw.slice(0, 200) }
    if (left) return { outcome: 'left' }
    if (reply.statusCode !== 200)
      return { outcome: 'lost', reason: `status ${reply.statusCode}: ${raw.slice(0, 200)}` }
    const stream = kind === 'sse' || kind === 'reset-mid-stream'
    const text = stream
      ? streamText(raw)
      : (JSON.parse(raw) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content
    if (text === expected) return { outcome: 'ok' }
    if (kind === 'reset-mid-stream' && expected.startsWith(text)) return { outcome: 'cut' }
    return { outcome: 'lost', reason: `wrong reply: ${text.slice(0, 200)}` }
  } catch (err) {
    if (foreignTag(raw, tag)) return { outcome: 'crossed', reason: raw.slice(0, 200) }
    if (left) return { outcome: 'left' }
    if (kind === 'reset-mid-stream' && !aborter.signal.aborted) {
      // The cut reached the client as a premature close: what it got must be a prefix of its own reply.
      const text = streamText(raw.slice(0, raw.lastIndexOf('\n') + 1))
      if (expected.startsWith(text)) return { outcome: 'cut' }
    }
    return { outcome: 'lost', reason: `${(err as Error).message}` }
  } finally {
    clearTimeout(timer)
  }
}
