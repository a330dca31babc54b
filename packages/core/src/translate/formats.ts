/**
 * The two API formats and which requests speak which: a chat completion is OpenAI's, a Messages
 * request (and its token count) Anthropic's; every other path has no translation and passes
 * through whatever the upstream's format. Also where a translated request goes on the upstream.
 */

/** The API an upstream speaks. */
export type ApiFormat = 'openai' | 'anthropic'

export const API_FORMATS: readonly ApiFormat[] = ['openai', 'anthropic']

/** What the client's request is, by its path after the prefix (undefined: not translatable). */
export type ClientRequestKind = 'chat' | 'messages' | 'count_tokens'

/**
 * The translatable kind of a request path, or undefined.
 *
 * @example
 * requestKind('/chat/completions') // 'chat'
 */
export function requestKind(path: string): ClientRequestKind | undefined {
  if (path === '/chat/completions') return 'chat'
  if (path === '/messages') return 'messages'
  if (path === '/messages/count_tokens') return 'count_tokens'
  return undefined
}

/** The format a request kind is written in. */
export function formatOf(kind: ClientRequestKind): ApiFormat {
  return kind === 'chat' ? 'openai' : 'anthropic'
}

/** The path (after the upstream's basePath) a request translated into `format` is sent to. */
export function translatedPath(format: ApiFormat): string {
  return format === 'anthropic' ? '/messages' : '/chat/completions'
}
