/**
 * Headers of a translated attempt. Going up to an OpenAI-format upstream, the client's
 * `anthropic-*` headers (version, betas) mean nothing and are dropped like its credentials; an
 * Anthropic-format upstream gets the gateway's `anthropic-version` (egress adds it when the
 * client sent none). Coming down, the body is a different one: its length, type and encoding
 * are the translation's, not the upstream's.
 */
import type { ApiFormat } from './formats.js'

/** The flat `[name, value, ...]` request headers for an upstream of `target` format. */
export function translatedRequestHeaders(headers: string[], target: ApiFormat): string[] {
  if (target !== 'openai') return headers
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!headers[i]!.startsWith('anthropic-')) out.push(headers[i]!, headers[i + 1]!)
  }
  return out
}

const REPLACED_DOWN = new Set(['content-length', 'content-type', 'content-encoding'])

/** The flat response headers for the client: the upstream's, with the translated body's type. */
export function translatedResponseHeaders(headers: string[], streamed: boolean): string[] {
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!REPLACED_DOWN.has(headers[i]!)) out.push(headers[i]!, headers[i + 1]!)
  }
  out.push('content-type', streamed ? 'text/event-stream; charset=utf-8' : 'application/json')
  return out
}
