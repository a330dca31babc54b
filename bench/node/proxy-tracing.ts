/**
 * What OpenTelemetry tracing costs per request: Velox on bare node:http with `tracing` unset, with
 * `tracing: true` and no tracer provider registered (the API's no-op: the gateway starts one
 * non-recording span per exchange and skips all attribute work, which the issue asks to be "zero
 * cost"), and with the OTel SDK registered (spans recorded and batched to an exporter that drops
 * them: the cost of building the span, not of shipping it). Each in its own process, the same
 * interleaved rounds as proxy-load.ts; CPU per request and req/s against tracing unset.
 */
import { chatModes, compareProxies, type LoadTable, type ProxySpec } from './proxy-load.js'

export const TRACING_PROXIES: readonly ProxySpec[] = [
  ['velox-http', 'Velox on bare node:http, tracing unset (baseline)', undefined],
  ['velox-http-tracing-off', 'tracing: true, no tracer provider registered', undefined],
  ['velox-http-tracing-sdk', 'tracing: true, OTel SDK registered (spans recorded)', undefined],
]

export function benchTracingCost(): Promise<LoadTable[]> {
  return compareProxies(TRACING_PROXIES, chatModes())
}
