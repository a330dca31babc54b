/**
 * The plain counters one gateway keeps over every exchange (read by `gateway.stats()`). The admit
 * stage counts a request in; the account stage (stages/80-account.ts) counts it out, by outcome.
 */
import type { VeloxErrorCode } from '../errors.js'

export interface RequestCounters {
  /** Requests taken by the gateway. */
  total: number
  /** Requests not finished yet. */
  active: number
  /** Requests whose response reached its end (any status). */
  completed: number
  /** Requests the gateway answered with its own error. */
  rejected: number
  /** Requests whose client left before the response ended. */
  clientAborted: number
  /** Upstream failures after response bytes went out (the client's response was cut). */
  upstreamFailedMidResponse: number
  /** Bodies a body parser had already parsed, serialized again (slower path). */
  reserializedBodies: number
  /** Gateway errors by code. */
  errors: Partial<Record<VeloxErrorCode, number>>
}

export function newCounters(): RequestCounters {
  return {
    total: 0,
    active: 0,
    completed: 0,
    rejected: 0,
    clientAborted: 0,
    upstreamFailedMidResponse: 0,
    reserializedBodies: 0,
    errors: {},
  }
}
