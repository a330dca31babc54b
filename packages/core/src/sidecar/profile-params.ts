/**
 * The query parameters of the profile endpoints. `seconds` is a decimal number > 0 and <= 60
 * (default 10), fractions allowed (`0.5`); `format` is `pprof` (default), the raw V8 JSON
 * (`cpuprofile` for CPU, `heapprofile` for heap), or `svg`.
 */

export const SECONDS_DEFAULT = 10
export const SECONDS_MAX = 60

export type ProfileFormat = 'pprof' | 'cpuprofile' | 'heapprofile' | 'svg'

export interface ParamError {
  error: string
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/

/**
 * @example
 * parseSeconds('0.5') // 0.5
 * parseSeconds('61')  // { error: 'seconds must be a number > 0 and <= 60 (got "61")' }
 */
export function parseSeconds(raw: string | null): number | ParamError {
  if (raw === null) return SECONDS_DEFAULT
  const seconds = DECIMAL.test(raw) ? Number(raw) : Number.NaN
  if (!(seconds > 0 && seconds <= SECONDS_MAX)) {
    return {
      error: `seconds must be a number > 0 and <= ${SECONDS_MAX} (got ${JSON.stringify(raw.slice(0, 40))})`,
    }
  }
  return seconds
}

/** `raw` if it is one of `allowed`, `allowed[0]` when absent, else an error listing them. */
export function parseFormat(
  raw: string | null,
  allowed: readonly ProfileFormat[],
): ProfileFormat | ParamError {
  if (raw === null) return allowed[0]!
  const format = allowed.find((f) => f === raw)
  if (format === undefined) {
    return { error: `format must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw.slice(0, 40))})` }
  }
  return format
}

export function isParamError(value: unknown): value is ParamError {
  return typeof value === 'object' && value !== null && 'error' in value
}
