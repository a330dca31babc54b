/**
 * `pnpm bench`: runs every benchmark and writes bench/RESULTS.md: the Rust Velox gateway's tables in Node, the
 * targets met or missed, the end-to-end load run and the offload measurements. Every number is a
 * median or a benchmark.js mean, and every comparison a ratio against a baseline measured in the
 * same run. The committed RESULTS.md is this script's output, never edited by hand.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { benchBufferPool } from './ingress/buffer-pool.js'
import { benchExtractFields, SCAN_BODIES } from './json/extract-fields.js'
import { sizeLabel } from './lib/bodies.js'
import type { GroupResult } from './lib/suite.js'
import { benchLimit } from './limit/index.js'
import { benchCostFeatures, costTablesMarkdown } from './node/cost-features.js'
import { benchIngressTask } from './node/ingress-task.js'
import { benchOffloadCost, benchOffloadUnderLoad, OFFLOAD_SETUP, offloadPaysFrom } from './node/offload.js'
import { benchProfileLoad, PROFILE_SETUP } from './node/profile-load.js'
import { benchProxyLoad, LOAD_SETUP, type LoadTable } from './node/proxy-load.js'
import { benchTracingCost } from './node/proxy-tracing.js'
import { benchRingQueue } from './queue/ring-queue.js'
import { keptSoakSection } from './soak/results-section.js'
import { benchTranslate } from './translate/translate.js'
import { benchTranslateLoad, TRANSLATE_LOAD_SETUP } from './translate/translate-load.js'

const started = Date.now()
const load = loadavg()[0]!.toFixed(1)
const pool = benchBufferPool()
const scan = benchExtractFields()
const queue = await benchRingQueue()
const ingress = benchIngressTask()
const limit = await benchLimit()
const translate = benchTranslate()
const proxies = await benchProxyLoad()
const tracing = await benchTracingCost()
const profiles = await benchProfileLoad()
const translateLoad = await benchTranslateLoad()
const offloadCost = await benchOffloadCost()
const offloadLoad = await benchOffloadUnderLoad()
const costFeatures = await benchCostFeatures()
const minutes = ((Date.now() - started) / 60_000).toFixed(1)

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const x = (n: number) => `${n.toFixed(2)}x`

function ratioOf(groups: GroupResult[], title: string, name: string): number {
  const group = groups.find((g) => g.title.startsWith(title))
  const found = group?.cases.find((c) => c.name.startsWith(name))
  if (!found) throw new Error(`no case "${name}" in "${title}"`)
  return found.ratio
}

/** The SIMD scanner's ratio to JSON.parse on one body, scanned in place in an arena slab. */
function simdRatio(body: string): number {
  return ratioOf(scan, `extract fields, ${body}`, 'velox SIMD scanner, body in the arena')
}

function loadRatio(tables: LoadTable[], mode: string, proxy: string): number {
  return tables.find((t) => t.title.startsWith(mode))!.rows.find((r) => r.proxy.startsWith(proxy))!
    .reqPerSecRatio
}

/** A CPU ratio of Velox in a framework to that framework's own proxy (below 1x favours Velox). */
function peerCpu(tables: LoadTable[], mode: string, proxy: string): number {
  const row = tables.find((t) => t.title.startsWith(mode))!.rows.find((r) => r.proxy.startsWith(proxy))!
  return row.vsPeer!.cpuRatio
}

/** The CPU per request of one proxy over another's, in the same rounds (below 1x favours the first). */
function cpuOver(tables: LoadTable[], mode: string, proxy: string, other: string): number {
  const rows = tables.find((t) => t.title.startsWith(mode))!.rows
  const cpu = (name: string) => rows.find((r) => r.proxy.startsWith(name))!.cpuMicrosPerReq
  return cpu(proxy) / cpu(other)
}

/** [what, wanted, measured ratios, bound, 'max' when the ratios must stay at or below the bound]. */
const targets: Array<[string, string, number[], number, 'max'?]> = [
  [
    'end-to-end ingress, 4 KB chat body, vs the standard way',
    '>= 5x',
    [ratioOf(ingress, 'ingress task, 4 KB chat body (8 messages) in 1 chunk', 'velox')],
    5,
  ],
  [
    'JS scanner vs JSON.parse at 64 KB chat body (keys first, keys last)',
    '>= 10x',
    [
      ratioOf(scan, 'extract fields, 64 KB, 32 messages, keys first', 'velox'),
      ratioOf(scan, 'extract fields, 64 KB, 32 messages, keys last', 'velox'),
    ],
    10,
  ],
  ['pool vs Buffer.concat at 64 KB', '>= 2x', [ratioOf(pool, 'buffer pool, 64 KB', 'pool')], 2],
  // Issue 15: the SIMD scanner (body in an arena slab, as a pooled body is) on the escape-dense code body.
  [
    'SIMD scanner vs JSON.parse, 64 KB code body (keys first, keys last)',
    '>= 10x',
    [simdRatio('64 KB code, 32 messages, keys first'), simdRatio('64 KB code, 32 messages, keys last')],
    10,
  ],
  [
    'SIMD scanner vs JSON.parse, 4 KB code body (keys first, keys last)',
    '>= 3x',
    [simdRatio('4 KB code, 8 messages, keys first'), simdRatio('4 KB code, 8 messages, keys last')],
    3,
  ],
  [
    'SIMD scanner vs the JS scanner, every body from 4 KB',
    '>= 2x',
    SCAN_BODIES.filter(([label]) => !label.startsWith('48 B')).map(
      ([label]) => simdRatio(label) / ratioOf(scan, `extract fields, ${label}`, 'velox scanner'),
    ),
    2,
  ],
  [
    "ingress task at 4 KB (the gateway's field scanner) vs the standard way, 1 chunk",
    '>= 3x',
    [ratioOf(ingress, 'ingress task, 4 KB chat body (8 messages) in 1 chunk', 'velox')],
    3,
  ],
  // Issue 15: CPU per request of Velox in each framework against the framework's own proxy.
  [
    'Velox in Fastify vs @fastify/http-proxy, CPU per request (JSON, SSE)',
    '<= 0.6x',
    [peerCpu(proxies, 'JSON', 'Velox in Fastify'), peerCpu(proxies, 'SSE', 'Velox in Fastify')],
    0.6,
    'max',
  ],
  [
    'Velox in Fastify vs the dispatch floor, CPU per request (JSON, SSE)',
    '<= 1.4x',
    [
      cpuOver(proxies, 'JSON', 'Velox in Fastify', 'dispatch floor'),
      cpuOver(proxies, 'SSE', 'Velox in Fastify', 'dispatch floor'),
    ],
    1.4,
    'max',
  ],
  [
    'Velox in Koa vs koa-proxies, CPU per request (JSON, SSE)',
    '<= 0.7x',
    [peerCpu(proxies, 'JSON', 'Velox in Koa'), peerCpu(proxies, 'SSE', 'Velox in Koa')],
    0.7,
    'max',
  ],
  [
    'Velox in Express vs http-proxy-middleware, CPU per request (JSON, SSE)',
    '<= 0.7x',
    [peerCpu(proxies, 'JSON', 'Velox in Express'), peerCpu(proxies, 'SSE', 'Velox in Express')],
    0.7,
    'max',
  ],
  [
    'Velox in Express vs bare pass-through, req/s (JSON, SSE)',
    '>= 0.9x',
    [loadRatio(proxies, 'JSON', 'Velox in Express'), loadRatio(proxies, 'SSE', 'Velox in Express')],
    0.9,
  ],
]

const lines: string[] = [
  '# Benchmark results',
  '',
  'Written by `pnpm bench` (bench/run.ts); do not edit by hand. Rerun it to get your own numbers.',
  '',
  `Machine: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}; load average ${load} when the run began; the run took ${minutes} min.`,
  '',
  'This machine is shared with other work running at the same time, so absolute numbers are noisy.',
  'That is why every comparison is a ratio against a baseline measured in the same run, right beside',
  'it: the first row of each table. Micro-benchmarks are benchmark.js means (± its relative margin of',
  'error); load and offload runs are medians of interleaved rounds.',
  '',
  '## Targets',
  '',
  '| target | wanted | measured | |',
  '|---|---|---|---|',
]
for (const [what, wanted, ratios, bound, max] of targets) {
  const met = ratios.every((r) => (max ? r <= bound : r >= bound))
  lines.push(`| ${what} | ${wanted} | ${ratios.map(x).join(', ')} | ${met ? 'met' : '**missed**'} |`)
}
lines.push('')

function microTables(heading: string, intro: string, groups: GroupResult[]): void {
  lines.push(`## ${heading}`, '', intro, '')
  for (const group of groups) {
    lines.push(`### ${group.title}`, '')
    if (group.note) lines.push(group.note, '')
    lines.push('| case | ops/s | ± | vs baseline |', '|---|---:|---:|---:|')
    for (const c of group.cases)
      lines.push(
        `| ${c.name} | ${fmt(c.opsPerSec)} | ${c.rme > 0 ? `${c.rme.toFixed(1)}%` : 'n/a'} | ${x(c.ratio)} |`,
      )
    lines.push('')
  }
}

microTables(
  'Buffer pool (bench/ingress/buffer-pool.ts)',
  'Assembling a body that arrives in several chunks into one Buffer. The Rust Velox gateway: "bumpalo arena vs Vec::from".',
  pool,
)
microTables(
  'Field extraction (bench/json/extract-fields.ts)',
  'Reading model, stream and max_tokens from the raw body. The Rust Velox gateway: "simd-json vs serde_json".',
  scan,
)
microTables(
  'Queues (bench/queue/ring-queue.ts)',
  'The SAB RingQueue within one thread and across threads. The Rust Velox gateway: "crossbeam vs std::sync::mpsc".',
  queue,
)
microTables(
  'Rate limiter (bench/limit/)',
  "The limiter's acquire against plain JavaScript, and the Redis store's latency when a local Redis answers. The Rust Velox gateway: the fetch_sub token bucket.",
  limit,
)
microTables(
  'End-to-end ingress task (bench/node/ingress-task.ts)',
  "Body chunks to upstream candidates: pool + scan + route lookup + rate-limit acquire (the gateway's in-process store) against Buffer.concat + JSON.parse + object lookup + a Map counter.",
  ingress,
)
microTables(
  'Translation (bench/translate/translate.ts)',
  "What a translated request costs beside pass-through's own per-request work (issue 11): the translation's CPU, not the whole proxied request's. Translated CPU per request over pass-through's is 1 / the ratio.",
  translate,
)

lines.push(
  '## Load: Velox against plain proxies (bench/node/proxy-load.ts)',
  '',
  `autocannon on 127.0.0.1 against each proxy in its own process, @velox/mock-upstream in another; ${LOAD_SETUP}. CPU is the proxy process's own (process.cpuUsage), per completed request. Every proxy keeps up to 32 keep-alive connections to the upstream.`,
  '',
)
for (const table of proxies) {
  lines.push(
    `### ${table.title}`,
    '',
    '| proxy | req/s | vs baseline | CPU per request | vs baseline | failed |',
    '|---|---:|---:|---:|---:|---:|',
  )
  for (const r of table.rows) {
    lines.push(
      `| ${r.proxy} | ${fmt(r.reqPerSec)} | ${x(r.reqPerSecRatio)} | ${fmt(r.cpuMicrosPerReq)} us | ${x(r.cpuRatio)} | ${r.failures} |`,
    )
  }
  lines.push(
    '',
    `${table.title}: Velox in each framework against that framework's own proxy (same rounds; above 1x req/s and below 1x CPU favour Velox).`,
    '',
    "| Velox in | the framework's proxy | req/s | CPU per request |",
    '|---|---|---:|---:|',
  )
  for (const r of table.rows) {
    if (r.vsPeer === undefined) continue
    lines.push(
      `| ${r.proxy.replace('Velox in ', '')} | ${r.vsPeer.peer} | ${x(r.vsPeer.reqPerSecRatio)} | ${x(r.vsPeer.cpuRatio)} |`,
    )
  }
  lines.push('')
}

lines.push(
  '## Tracing cost (bench/node/proxy-tracing.ts)',
  '',
  `Velox on bare node:http with OpenTelemetry tracing unset, on with no tracer provider registered, and on with the OTel SDK recording spans (batched to an exporter that drops them); each in its own process, ${LOAD_SETUP}. CPU is the proxy process's own, per completed request.`,
  '',
)
for (const table of tracing) {
  lines.push(
    `### Tracing, ${table.title}`,
    '',
    '| gateway | req/s | vs tracing unset | CPU per request | vs tracing unset | failed |',
    '|---|---:|---:|---:|---:|---:|',
  )
  for (const r of table.rows) {
    lines.push(
      `| ${r.proxy} | ${fmt(r.reqPerSec)} | ${x(r.reqPerSecRatio)} | ${fmt(r.cpuMicrosPerReq)} us | ${x(r.cpuRatio)} | ${r.failures} |`,
    )
  }
  lines.push('')
}

lines.push(
  '## Where the CPU goes (bench/node/profile-load.ts)',
  '',
  `Velox under the load above, profiled by its own sidecar (\`/debug/pprof/profile?format=cpuprofile\`); ${PROFILE_SETUP}. Self time of the samples, by who owns the code, as a share of busy time (idle left out) and as microseconds per request (the share times the CPU per request measured in the same run, profiler on). Node's C++ side (socket writes: \`writev\`, \`writeUtf8String\`) counts as "V8 and native"; the kernel's loopback TCP work is done inside those calls.`,
  '',
)
for (const mode of ['JSON', 'SSE']) {
  // Express's own cost: the same Velox middleware inside Express against on bare node:http (same
  // run, profiler on), and by owner, where that difference lands in the profile.
  const of = (proxy: string) => profiles.find((t) => t.title.startsWith(mode) && t.proxy === proxy)!
  const express = of('Velox in Express')
  const bare = of('Velox on bare node:http')
  const micros = (t: typeof express, owner: string) =>
    t.owners.find((o) => o.owner === owner)?.microsPerReq ?? 0
  const deltas = express.owners
    .map((o) => [o.owner, o.microsPerReq - micros(bare, o.owner)] as const)
    .filter(([, d]) => Math.abs(d) >= 1)
    .map(([owner, d]) => `${owner} ${d > 0 ? '+' : ''}${fmt(d, 1)} us`)
  lines.push(
    `- ${mode}: Velox in Express spends ${fmt(express.cpuMicrosPerReq - bare.cpuMicrosPerReq)} us more CPU per request than Velox on bare node:http (${((1 - bare.cpuMicrosPerReq / express.cpuMicrosPerReq) * 100).toFixed(0)}% of its CPU): the cost of running inside Express. Where that difference lands, by owner: ${deltas.join(', ')}.`,
  )
}
lines.push('')
for (const t of profiles) {
  lines.push(
    `### ${t.proxy}, ${t.title}: ${fmt(t.cpuMicrosPerReq)} us CPU per request`,
    '',
    '| code of | share of busy time | per request |',
    '|---|---:|---:|',
    ...t.owners.map((o) => `| ${o.owner} | ${(o.share * 100).toFixed(1)}% | ${fmt(o.microsPerReq, 1)} us |`),
    '',
    'The busiest functions (self time):',
    '',
    '| function | share |',
    '|---|---:|',
    ...t.top
      .slice(0, 8)
      .map(([name, share]) => `| ${name.replaceAll('|', '\\|')} | ${(share * 100).toFixed(1)}% |`),
    '',
  )
}

lines.push(
  '## Translation under load (bench/translate/translate-load.ts)',
  '',
  `One gateway process in front of @velox/mock-upstream, autocannon on 127.0.0.1; the same 4 KB conversation passed through (client and upstream in one format) and translated (the other format), interleaved; ${TRANSLATE_LOAD_SETUP}. CPU is the gateway process's own, per completed request. Issue 11 aims at translated SSE <= 1.5x pass-through.`,
  '',
  '| request | pass-through CPU/req | translated CPU/req | translated / pass-through | failed |',
  '|---|---:|---:|---:|---:|',
)
for (const r of translateLoad) {
  lines.push(
    `| ${r.case} | ${fmt(r.passThroughMicros)} us | ${fmt(r.translatedMicros)} us | ${x(r.ratio)} | ${r.failures} |`,
  )
}
lines.push('')

lines.push(
  '## Offload of large bodies (bench/node/offload.ts)',
  '',
  '### What one large body costs the main thread',
  '',
  "A chat body of the given size (text with quotes, backslashes and emoji: slow to scan; base64 images scan faster), in a slab of the gateway's pool (its arena) as a request body lies there. Inline: how long the gateway's own field scanner (the SIMD scanner where the runtime has WebAssembly SIMD) holds the event loop. Offloaded (the worker scans with the SIMD scanner too): the main-thread time that is left (hand-off, result, decoding model and user; event loop utilization), and the wall time until the fields are back. Medians.",
  '',
  '| body | inline: loop held | offloaded: main thread | offloaded: until the result |',
  '|---|---:|---:|---:|',
)
for (const r of offloadCost) {
  lines.push(
    `| ${sizeLabel(r.size)} | ${r.inlineMs.toFixed(3)} ms | ${r.offloadMainMs.toFixed(3)} ms | ${r.offloadLatencyMs.toFixed(3)} ms |`,
  )
}
const paysFrom = offloadPaysFrom(offloadCost)
lines.push(
  '',
  `The offload pays from ${paysFrom === undefined ? 'none of these sizes' : sizeLabel(paysFrom)}: the smallest size at which, and at every larger one, the inline scan holds the main thread at least twice as long as the offloaded scan still costs it (the time saved is at least the hand-off's own cost). The default \`offload.thresholdBytes\` is chosen by this line.`,
  '',
  '### Small requests beside large ones, through the gateway',
  '',
  `The gateway (node:http + gateway.handle) in its own process in front of a sink upstream; small 4 KB chat requests under autocannon while large bodies arrive at 32 MB/s; ${OFFLOAD_SETUP}. Loop delay: the gateway's main thread (monitorEventLoopDelay, 1 ms resolution, so about 1 ms is the floor); busy: its event loop utilization.`,
  '',
  '| large bodies | scan | loop delay p50 | p99 | max | loop busy | small p50 | small p99 | small req/s | large done | failed |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
)
for (const r of offloadLoad) {
  lines.push(
    `| ${r.size === 0 ? 'none' : sizeLabel(r.size)} | ${r.mode} | ${r.loopP50.toFixed(1)} ms | ${r.loopP99.toFixed(1)} ms | ${r.loopMax.toFixed(1)} ms | ${(r.loopBusy * 100).toFixed(0)}% | ${r.smallP50} ms | ${r.smallP99} ms | ${fmt(r.smallReqPerSec)} | ${r.largeDone} | ${r.failures} |`,
  )
}
lines.push('')
lines.push(
  '### Cost features: off vs on, and a cache hit vs a proxied request',
  '',
  'bench/node/cost-features.ts: the gateway in its own process in front of the mock upstream, CPU time per request under autocannon; "on" is pricing, a budget, the include_usage splice and a cache that always misses (every answer hashed, recorded and stored).',
  '',
  ...costTablesMarkdown(costFeatures),
)

lines.push(...keptSoakSection()) // written by `pnpm soak`
writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'))
console.log(`wrote bench/RESULTS.md in ${minutes} min`)
