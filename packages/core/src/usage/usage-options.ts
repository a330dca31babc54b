/**
 * The `usage` option: `ensure` asks the upstream for usage on every streamed chat (the
 * include_usage splice) and strips the extra chunk from what the client receives. Left unset, it
 * is on whenever something needs exact numbers: a token limit (limit.tpm), a budget, pricing, or
 * a usage listener; `false` turns it off even then (the numbers are estimates for those streams).
 */
import { fail, object } from '../validate.js'

export interface UsageOptions {
  /** Splice include_usage into streamed chats that did not ask for it. Default: on when needed. */
  ensure?: boolean
}

export interface ResolvedUsage {
  /** undefined: decided per request (on when a feature or a listener needs usage). */
  readonly ensure: boolean | undefined
}

/**
 * @example
 * resolveUsage({ ensure: false }) // { ensure: false }
 */
export function resolveUsage(input: unknown): ResolvedUsage {
  if (input === undefined) return Object.freeze({ ensure: undefined })
  const u = object('usage', input)
  if (u.ensure !== undefined && typeof u.ensure !== 'boolean') fail('usage.ensure', 'a boolean', u.ensure)
  return Object.freeze({ ensure: u.ensure as boolean | undefined })
}
