/**
 * The `offload` option: from which body size the scan runs on a worker thread (offload/), or
 * `false` for never. The default is in DEFAULTS (config/defaults.ts), chosen by bench/node/offload.ts.
 */
import { DEFAULTS } from '../config/defaults.js'
import { fail, integer } from '../validate.js'

export interface OffloadOptions {
  /** Bodies this large or larger are scanned on the worker (at least 4096). */
  thresholdBytes?: number
}

export type ResolvedOffload = Readonly<Required<OffloadOptions>>

/**
 * Checks `offload`. Undefined means off: asked for (`false`), or not given while the parser is
 * simdjson (the worker runs the scanner, and would read large bodies by other rules).
 *
 * @example
 * resolveOffload({}, 'scanner') // { thresholdBytes: 262144 }
 */
export function resolveOffload(input: unknown, parser: 'scanner' | 'simdjson'): ResolvedOffload | undefined {
  if (input === false) return undefined
  if (input !== undefined && (typeof input !== 'object' || input === null)) {
    fail('offload', 'false or an object ({ thresholdBytes })', input)
  }
  const chosen = (input ?? DEFAULTS.offload) as OffloadOptions
  if (parser !== 'scanner') {
    if (input !== undefined) fail('offload', "off (false) with parser: 'simdjson'", input)
    return undefined
  }
  return Object.freeze({
    thresholdBytes: integer(
      'offload.thresholdBytes',
      chosen.thresholdBytes,
      4096,
      DEFAULTS.offload.thresholdBytes,
    ),
  })
}
