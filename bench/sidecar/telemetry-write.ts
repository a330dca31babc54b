/**
 * What metrics cost the request path itself: one `gateway.telemetry.exchange(record)` call (label
 * ids from the interner's Maps, 14 Int32 stores into the shared ring, the publish). Records go in
 * batches of 8,192 (half the ring) with a pause between batches for the worker to drain them, so
 * every record measured is really written (the script checks that none was dropped).
 *
 *   pnpm build && pnpm --filter @velox/bench exec tsx sidecar/telemetry-write.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createGateway, type ExchangeRecord } from '@velox/core'
import { gatewayCore } from '@velox/core/internal'

const BATCH = 8192
const BATCHES = 60

const gateway = createGateway({
  upstream: { origin: 'http://127.0.0.1:9' },
  sidecar: { port: 0, profiling: false },
})
await gateway.ready()
const telemetry = gatewayCore(gateway).telemetry!
const record: ExchangeRecord = {
  method: 'POST',
  path: '/chat/completions',
  model: 'gpt-4o-mini',
  stream: true,
  status: 200,
  errorCode: undefined,
  key: undefined,
  upstream: 'default',
  attempts: 1,
  fallbacks: 0,
  clientAborted: false,
  latencyMs: 1234.5,
  ttfbMs: 210.2,
  ttftMs: 250.7,
  inputTokens: 812,
  outputTokens: 96,
  cachedInputTokens: undefined,
  cacheWriteTokens: undefined,
  reasoningTokens: undefined,
  cost: undefined,
  cached: false,
}

const perBatchNs: number[] = []
for (let b = 0; b < BATCHES; b++) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < BATCH; i++) telemetry.exchange(record)
  perBatchNs.push(Number(process.hrtime.bigint() - start) / BATCH)
  await sleep(150) // the worker drains every 100 ms
}
const metrics = await (await fetch(`${gateway.sidecar!.url}/metrics`)).text()
const dropped = /^velox_telemetry_dropped_total (\d+)$/m.exec(metrics)?.[1]
const counted = /^velox_requests_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]
const sorted = perBatchNs.slice(10).sort((a, b) => a - b) // the first batches warm up the JIT
console.log(
  `telemetry.exchange(): median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ns/record, ` +
    `best batch ${sorted[0]!.toFixed(0)} ns; ${counted} records counted by the worker, ${dropped} dropped`,
)
await gateway.close()
