/**
 * When the include_usage splice applies: a streamed Chat Completions or legacy Completions
 * request (the two APIs whose streams report usage only when asked) that did not ask for it
 * itself. The Responses API and Anthropic streams always carry usage: nothing to splice there.
 */

/** Paths (after the prefix) whose streams carry usage only with stream_options.include_usage. */
const ASK_FOR_USAGE = new Set(['/chat/completions', '/completions'])

/**
 * @example
 * needsUsageSplice('/chat/completions', true, undefined) // true
 * needsUsageSplice('/responses', true, undefined) // false
 */
export function needsUsageSplice(path: string, stream: boolean, includeUsage: boolean | undefined): boolean {
  return stream && includeUsage !== true && ASK_FOR_USAGE.has(path)
}
