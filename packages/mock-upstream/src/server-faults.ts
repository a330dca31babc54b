/**
 * Server-wide faults: what a test sets on the mock itself (`mock.setFaults(...)`) instead of per
 * request, because a gateway forwards one client's headers to every candidate upstream, and a
 * fallback test needs one upstream failing while the other answers. A field set here overrides
 * the request's own control header; `null` clears them all.
 */
import type { Controls, MockFault } from './controls.js'

/** Faults every request to this mock gets until cleared (each field optional). */
export interface MockFaults {
  /** Reply with this status (400-599) and an OpenAI-style error body. */
  status?: number
  /** `Retry-After` value added to that error (seconds or an HTTP date). */
  retryAfter?: string
  /** A transport fault: 'reset-before-headers', 'reset-mid-stream' or 'hang' (no headers, ever). */
  fault?: MockFault
  /** Wait this long before the response headers, ms. */
  latencyMs?: number
}

function check(faults: MockFaults): MockFaults {
  const { status, latencyMs } = faults
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw new RangeError(`faults.status must be an integer from 400 to 599, got ${String(status)}`)
  }
  if (latencyMs !== undefined && !(Number.isInteger(latencyMs) && latencyMs >= 0)) {
    throw new RangeError(`faults.latencyMs must be a non-negative integer, got ${String(latencyMs)}`)
  }
  return Object.freeze({ ...faults })
}

export class ServerFaults {
  #faults: MockFaults | null = null

  set(faults: MockFaults | null): void {
    this.#faults = faults === null ? null : check(faults)
  }

  /** The request's controls with the server-wide faults laid over them. */
  apply(controls: Controls): Controls {
    const f = this.#faults
    if (f === null) return controls
    return {
      ...controls,
      status: f.status ?? controls.status,
      retryAfter: f.retryAfter ?? controls.retryAfter,
      fault: f.fault ?? controls.fault,
      latencyMs: f.latencyMs ?? controls.latencyMs,
      // A server-wide fault applies to every request, whatever x-mock-fail-first says.
      failFirst: f.status !== undefined || f.fault !== undefined ? undefined : controls.failFirst,
    }
  }
}
