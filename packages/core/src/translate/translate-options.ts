/**
 * What a translation may be told by the gateway's options: the `max_tokens` to send when an
 * OpenAI client set none (Anthropic requires one), and the fields to drop silently instead of
 * refusing with a 400. Plain data, so the pure translators and their tests need no gateway.
 */

/** Options every request translator reads. */
export interface TranslateOptions {
  /** `max_tokens` sent to an Anthropic upstream when the chat request sets neither `max_tokens` nor `max_completion_tokens`. */
  readonly defaultMaxTokens: number
  /** Request fields the upstream's API cannot honour that are dropped instead of answered with a 400. */
  readonly ignoreFields: ReadonlySet<string>
}

/** The defaults (also the documented ones, docs/reference/options.md). */
export const TRANSLATE_DEFAULTS: TranslateOptions = Object.freeze({
  defaultMaxTokens: 4096, // tokens: Anthropic's smallest model limit is larger, so this always fits
  ignoreFields: new Set<string>(),
})
