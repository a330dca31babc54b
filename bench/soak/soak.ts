/**
 * One soak run through one adapter: a gateway with two upstreams (two mock servers, the second a
 * fallback), a fixed mix of requests from `concurrency` clients for `durationMs`, and a fault
 * schedule on the primary upstream (429 with Retry-After, then 500s, then down, then back up).
 * Every reply is judged against its own request; RSS and event-loop delay are sampled each
 * second. Everything runs in this process (load, gateway, mocks), so RSS and loop delay are the
 * whole process's: the point is their trend over a long run, not their level.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createGateway, type VeloxOptions } from '@velox/core'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { Pool } from 'undici'
import { type Adapter, startApp } from './apps.js'
import { CYCLE, KINDS, type Kind, type Outcome, send } from './requests.js'

export interface SoakOptions {
  adapter: Adapter
  durationMs: number
  /** Clients sending at once (default 16). */
  concurrency?: number
  /** Extra gateway options, laid over the soak's own. */
  gateway?: Partial<VeloxOptions>
}

export type KindCounts = Record<Outcome, number> & { sent: number }

export interface SoakResult {
  adapter: Adapter
  durationMs: number
  byKind: Record<Kind, KindCounts>
  requests: number
  crossed: number
  lost: number
  /** The first few lost or crossed requests, with why. */
  problems: string[]
  rssWarmMb: number
  rssEndMb: number
  loopP50Ms: number
  loopP99Ms: number
  loopMaxMs: number
  /** `upstream` events of type 'ejected' / 'cooldown' the gateway emitted. */
  ejections: number
  cooldowns: number
}

/** When each fault starts on the primary upstream, as a share of the run. */
export const SCHEDULE = [
  { at: 0.15, what: '429 with Retry-After: 1' },
  { at: 0.3, what: '500 on every request' },
  { at: 0.45, what: 'down (connections refused)' },
  { at: 0.65, what: 'back up, healthy' },
] as const

async function applyPhase(index: number, primary: MockUpstream): Promise<void> {
  if (index === 0) primary.setFaults({ status: 429, retryAfter: '1' })
  else if (index === 1) primary.setFaults({ status: 500 })
  else if (index === 2) {
    primary.setFaults(null)
    await primary.down()
  } else await primary.up()
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const primary = await createMockUpstream()
  const fallback = await createMockUpstream()
  const gateway = createGateway({
    upstreams: [
      { name: 'primary', origin: primary.url, connections: 16 },
      { name: 'fallback', origin: fallback.url, connections: 16 },
    ],
    routes: [{ model: '*', upstreams: ['primary', 'fallback'] }],
    timeouts: { headersMs: 10_000, bodyIdleMs: 10_000 },
    // Ejections short enough that a run sees the primary ejected, probed and restored.
    health: { baseEjectionMs: 1_000, maxEjectionMs: 5_000 },
    ...options.gateway,
  })
  let ejections = 0
  let cooldowns = 0
  gateway.on('upstream', (event) => {
    if (event.type === 'ejected') ejections++
    else if (event.type === 'cooldown') cooldowns++
  })
  const app = await startApp(options.adapter, gateway)
  const pool = new Pool(app.url, { connections: options.concurrency ?? 16 })
  const byKind = Object.fromEntries(
    KINDS.map((k) => [k, { sent: 0, ok: 0, cut: 0, left: 0, lost: 0, crossed: 0 }]),
  ) as Record<Kind, KindCounts>
  const problems: string[] = []
  const runId = Math.random().toString(36).slice(2, 8)
  const loop = monitorEventLoopDelay({ resolution: 5 })
  loop.enable()
  const rss: number[] = []
  const start = performance.now()
  const end = start + options.durationMs
  let rssWarm = 0
  const sampler = setInterval(() => {
    rss.push(process.memoryUsage.rss())
    // The mocks record every request, 8 MB bodies included: drop them so memory shows the gateway.
    primary.received.length = 0
    fallback.received.length = 0
    if (rssWarm === 0 && performance.now() - start >= options.durationMs * SCHEDULE[0].at)
      rssWarm = rss.at(-1)!
  }, 1_000)
  let phase = 0
  const faults = (async () => {
    while (phase < SCHEDULE.length) {
      const at = start + options.durationMs * SCHEDULE[phase]!.at
      await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())))
      await applyPhase(phase, primary)
      phase++
    }
  })()
  let seq = 0
  const client = async () => {
    while (performance.now() < end) {
      const n = seq++
      const kind = CYCLE[n % CYCLE.length]!
      const tag = `soak-${runId}-${n}`
      const counts = byKind[kind]
      counts.sent++
      const judged = await send({ pool, kind, tag, timeoutMs: 30_000 })
      counts[judged.outcome]++
      if (judged.reason !== undefined && problems.length < 10)
        problems.push(`${kind} ${tag}: ${judged.reason}`)
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, client))
    await faults
  } finally {
    clearInterval(sampler)
    loop.disable()
    await pool.close()
    await app.close()
    await gateway.close()
    await Promise.all([primary.close(), fallback.close()])
  }
  const rssEnd = process.memoryUsage.rss()
  const total = (field: Outcome) => KINDS.reduce((sum, k) => sum + byKind[k][field], 0)
  return {
    adapter: options.adapter,
    durationMs: options.durationMs,
    byKind,
    requests: KINDS.reduce((sum, k) => sum + byKind[k].sent, 0),
    crossed: total('crossed'),
    lost: total('lost'),
    problems,
    rssWarmMb: mb(rssWarm === 0 ? (rss[0] ?? rssEnd) : rssWarm),
    rssEndMb: mb(rssEnd),
    loopP50Ms: loop.percentile(50) / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    ejections,
    cooldowns,
  }
}
