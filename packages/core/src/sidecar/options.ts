/**
 * The `sidecar` option: where the sidecar thread listens (pprof and Prometheus metrics, served off
 * the main thread) and what it serves. Checked at gateway creation like every other option; the
 * sidecar itself is loaded only when this resolves to something (see sidecar-handle.ts).
 */
import { isIP } from 'node:net'
import { DEFAULTS } from '../config/defaults.js'
import { VeloxOptionsError } from '../errors.js'
import { boolean, fail, integer } from '../validate.js'

export interface SidecarOptions {
  /** Interface to bind. Anything but loopback requires `token`. Default `127.0.0.1`. */
  host?: string
  /** TCP port; 0 picks a free one (see `gateway.sidecar.url`). Default 6060, as the Rust Velox gateway's pprof. */
  port?: number
  /** When set, every request needs `Authorization: Bearer <token>` (401 otherwise). */
  token?: string
  /** Serve `/debug/pprof/profile` and `/debug/pprof/heap`. Default true. */
  profiling?: boolean
  /** Serve `/metrics` and collect the telemetry behind it. Default true. */
  metrics?: boolean
  /** How often the main thread samples its event-loop delay, memory and upstream pools. Default 5 s. */
  sampleIntervalMs?: number
}

export interface ResolvedSidecar {
  readonly host: string
  readonly port: number
  readonly token: string | undefined
  readonly profiling: boolean
  readonly metrics: boolean
  readonly sampleIntervalMs: number
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/**
 * Checks `options.sidecar`. Returns undefined when there is nothing to serve (no option, `false`,
 * or both `profiling` and `metrics` off), so that nothing of the sidecar is ever loaded.
 */
export function resolveSidecar(input: unknown): ResolvedSidecar | undefined {
  if (input === undefined || input === false) return undefined
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('sidecar', 'an object or false', input)
  }
  const s = input as SidecarOptions
  const host = s.host ?? DEFAULTS.sidecar.host
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host)) {
    fail('sidecar.host', 'a host name or IP address', host)
  }
  const port = s.port ?? DEFAULTS.sidecar.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    fail('sidecar.port', 'an integer from 0 to 65535', port)
  }
  if (s.token !== undefined && (typeof s.token !== 'string' || s.token === '' || /\s/.test(s.token))) {
    throw new VeloxOptionsError('sidecar.token must be a non-empty string without spaces') // never echo a token
  }
  if (s.token === undefined && !isLoopback(host)) {
    throw new VeloxOptionsError(
      `sidecar.token is required when sidecar.host is not a loopback address (got host ${JSON.stringify(host)}): ` +
        'profiles and metrics must not be open to the network',
    )
  }
  const interval = integer(
    'sidecar.sampleIntervalMs',
    s.sampleIntervalMs,
    10,
    DEFAULTS.sidecar.sampleIntervalMs,
  )
  const profiling = boolean('sidecar.profiling', s.profiling, DEFAULTS.sidecar.profiling)
  const metrics = boolean('sidecar.metrics', s.metrics, DEFAULTS.sidecar.metrics)
  if (!profiling && !metrics) return undefined
  return Object.freeze({ host, port, token: s.token, profiling, metrics, sampleIntervalMs: interval })
}
