/**
 * What an attempt's result means for its upstream's health: a 5xx is a server error, any other
 * response proves the upstream alive (a 4xx is the client's problem, a 429 its quota's), and every
 * transport failure (connect error, reset, TLS, timeout) is a gateway failure. A client that left
 * or an attempt aborted for a deadline is no outcome at all (the caller abandons the attempt).
 */
import type { AttemptOutcome } from './health-types.js'

export function outcomeOfStatus(status: number): AttemptOutcome {
  return status >= 500 ? 'server-error' : 'success'
}

/** Statuses whose Retry-After cools the upstream down (529: Anthropic's "overloaded"). */
export function coolsDown(status: number): boolean {
  return status === 429 || status === 503 || status === 529
}
