/**
 * What the gateway knows about the OpenAI surface: which paths must carry a JSON body with a
 * `model`, and which methods pass. Every other `/v1/` path is proxied as it is (files, audio,
 * batches...), so an upstream's newer endpoints work without a gateway release.
 */

/** Paths (after the prefix) whose POST body is JSON and must name a model. */
export const MODEL_REQUIRED = new Set([
  '/chat/completions',
  '/completions',
  '/embeddings',
  '/responses',
  '/messages',
])

export const ALLOWED_METHODS = new Set(['GET', 'POST', 'DELETE'])
export const ALLOW_HEADER = 'GET, POST, DELETE'

export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false
  const semicolon = value.indexOf(';')
  const type = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/**
 * False for paths that could reach somewhere else on the upstream host once normalised:
 * dot segments, empty segments, backslashes, and percent-encoded dots, slashes or backslashes.
 */
export function isSafePath(pathname: string): boolean {
  if (pathname.includes('//') || pathname.includes('\\')) return false
  if (/%(2e|2f|5c)/i.test(pathname)) return false
  return !/(^|\/)\.\.?(\/|$)/.test(pathname)
}
