/**
 * The `translate` option: what a translation may be told by the gateway's options: the `max_tokens` to send when an
 * OpenAI client set none (Anthropic requires one), and the fields to drop silently instead of
 * refusing with a 400. Resolved to plain data, so the pure translators and their tests need no
 * gateway.
 */
import { DEFAULTS } from '../config/defaults.js'
import { fail, integer, object } from '../validate.js'

/** The `translate` option as the user writes it (docs/reference/options.md). */
export interface TranslateOptionsInput {
  /** `max_tokens` sent to an Anthropic upstream when a chat request sets none (default 4096). */
  defaultMaxTokens?: number
  /** Request fields the other API cannot honour to drop instead of refusing with a 400 (default none). */
  ignoreFields?: string[]
}

/** Options every request translator reads. */
export interface TranslateOptions {
  /** `max_tokens` sent to an Anthropic upstream when the chat request sets neither `max_tokens` nor `max_completion_tokens`. */
  readonly defaultMaxTokens: number
  /** Request fields the upstream's API cannot honour that are dropped instead of answered with a 400. */
  readonly ignoreFields: ReadonlySet<string>
}

/** The defaults (also the documented ones, docs/reference/options.md). */
export const TRANSLATE_DEFAULTS: TranslateOptions = Object.freeze({
  defaultMaxTokens: DEFAULTS.translate.defaultMaxTokens,
  ignoreFields: new Set<string>(DEFAULTS.translate.ignoreFields),
})

/** Checks the `translate` option and fills in the defaults; throws a VeloxOptionsError naming the field. */
export function resolveTranslate(input: unknown): TranslateOptions {
  if (input === undefined) return TRANSLATE_DEFAULTS
  const t = object('translate', input) as TranslateOptionsInput
  const ignore = t.ignoreFields ?? []
  if (!Array.isArray(ignore) || ignore.some((f) => typeof f !== 'string' || f === '')) {
    fail('translate.ignoreFields', 'an array of field names', ignore)
  }
  return Object.freeze({
    defaultMaxTokens: integer(
      'translate.defaultMaxTokens',
      t.defaultMaxTokens,
      1,
      TRANSLATE_DEFAULTS.defaultMaxTokens,
    ),
    ignoreFields: new Set(ignore),
  })
}
