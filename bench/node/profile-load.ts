/**
 * Where the CPU goes: Velox on node:http, in Fastify and in Express under the load of
 * proxy-load.ts (JSON and SSE, 4 KB chat requests, 32 connections), each profiled by the project's
 * own sidecar (`/debug/pprof/profile?format=cpuprofile`) while autocannon runs. The samples'
 * self time is summed by who owns the code: Velox's packages, the framework, undici, Node's own
 * JavaScript (http, net, streams), WebAssembly, the garbage collector, and V8/native (`(program)`: parsing,
 * compiling, the C++ side of sockets). Idle samples are left out, so the shares are of busy
 * time. With the CPU per request measured in the same run, a share is also microseconds per
 * request: how much of Express's cost is Express's own work (issue 15). Run alone
 * (`pnpm tsx bench/node/profile-load.ts`) it prints the tables; BENCH_PROFILE_DIR=<dir> also saves
 * each profile there as a .cpuprofile (DevTools, speedscope), and BENCH_PROFILE_KINDS=velox-http,...
 * profiles only the kinds named.
 */
import autocannon from 'autocannon'
import { startMock, startProxy } from '../lib/processes.js'
import { chatModes } from './proxy-load.js'

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 4)
const CONNECTIONS = 32

export const PROFILED = [
  ['velox-http', 'Velox on bare node:http'],
  ['velox-fastify', 'Velox in Fastify'],
  ['velox-express', 'Velox in Express'],
] as const

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileShare {
  owner: string
  share: number
  microsPerReq: number
}

export interface ProfileTable {
  title: string
  proxy: string
  cpuMicrosPerReq: number
  owners: ProfileShare[]
  /** The busiest functions by self time: [owner: function (file), share of busy time]. */
  top: Array<[string, number]>
}

const FRAMEWORKS = new Set([
  'express',
  'router',
  'body-parser',
  'finalhandler',
  'send',
  'serve-static',
  'path-to-regexp',
  'fastify',
  'find-my-way',
  'avvio',
  'light-my-request',
  '@fastify/error',
  'fast-json-stringify',
  'on-finished',
  'parseurl',
  'qs',
  'content-type',
  'type-is',
])

/** Who owns a frame: Velox, a framework, undici, Node, or the V8 pseudo-frames. */
export function ownerOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collector'
  if (name === '(program)' || name === '(root)') return 'V8 and native (program)'
  if (url.startsWith('node:')) return 'Node (http, net, streams, timers)'
  // Two WebAssembly modules run here: undici's HTTP parser (llhttp) and Velox's stage 1.
  if (url.startsWith('wasm://') || name.startsWith('js-to-wasm') || name.startsWith('wasm-to-js')) {
    return "WebAssembly (undici's llhttp, Velox's stage 1)"
  }
  if (/\/packages\/(core|express|fastify|koa)\//.test(url) || url.includes('/@velox/')) return 'Velox'
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (match) {
    const pkg = match[1]!
    if (pkg === 'undici') return 'undici'
    if (FRAMEWORKS.has(pkg)) return 'the framework (Express or Fastify and their parts)'
    return `other packages`
  }
  if (url === '') return 'V8 and native (program)'
  return 'other'
}

function summarize(profile: CpuProfile): {
  owners: Map<string, number>
  top: Map<string, number>
  busy: number
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const owners = new Map<string, number>()
  const top = new Map<string, number>()
  let busy = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]!)!.callFrame
    const dt = profile.timeDeltas[i] ?? 0
    if (frame.functionName === '(idle)') continue
    busy += dt
    const owner = ownerOf(frame.url, frame.functionName)
    owners.set(owner, (owners.get(owner) ?? 0) + dt)
    const file = frame.url.split('/').pop() ?? ''
    const key = `${owner}: ${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`
    top.set(key, (top.get(key) ?? 0) + dt)
  }
  return { owners, top, busy }
}

export async function benchProfileLoad(): Promise<ProfileTable[]> {
  const mock = await startMock()
  const tables: ProfileTable[] = []
  try {
    const only = process.env.BENCH_PROFILE_KINDS?.split(',')
    for (const [kind, label] of PROFILED.filter(([k]) => only === undefined || only.includes(k))) {
      const proxy = await startProxy(kind, mock.url, [], { BENCH_SIDECAR: '1' })
      try {
        for (const [title, body, headers] of chatModes()) {
          const run = (seconds: number) =>
            autocannon({
              url: `${proxy.url}/v1/chat/completions`,
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body,
              connections: CONNECTIONS,
              duration: seconds,
            })
          await run(1) // warm-up
          await proxy.begin()
          const profiled = fetch(`${proxy.sidecar}/debug/pprof/profile?seconds=${SECONDS}&format=cpuprofile`)
          const result = await run(SECONDS)
          const report = await proxy.end()
          const profile = (await (await profiled).json()) as CpuProfile
          if (process.env.BENCH_PROFILE_DIR) {
            const { writeFileSync } = await import('node:fs')
            writeFileSync(
              `${process.env.BENCH_PROFILE_DIR}/${kind}-${title.slice(0, 4)}.cpuprofile`,
              JSON.stringify(profile),
            )
          }
          const { owners, top, busy } = summarize(profile)
          const cpuMicrosPerReq = report.cpuMicros / Math.max(1, result.requests.total)
          const shares = [...owners.entries()]
            .map(([owner, t]) => ({ owner, share: t / busy, microsPerReq: (t / busy) * cpuMicrosPerReq }))
            .sort((a, b) => b.share - a.share)
          const topList = [...top.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 12)
            .map(([k, t]) => [k, t / busy] as [string, number])
          tables.push({ title, proxy: label, cpuMicrosPerReq, owners: shares, top: topList })
          console.log(`profile | ${title} | ${label}: ${cpuMicrosPerReq.toFixed(0)} us CPU/req`)
        }
      } finally {
        await proxy.stop()
      }
    }
  } finally {
    await mock.stop()
  }
  return tables
}

export const PROFILE_SETUP = `${SECONDS} s profiled per proxy and mode after a 1 s warm-up, ${CONNECTIONS} connections`

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const t of await benchProfileLoad()) {
    console.log(`\n## ${t.title} | ${t.proxy}: ${t.cpuMicrosPerReq.toFixed(1)} us CPU/req`)
    for (const o of t.owners)
      console.log(`${(o.share * 100).toFixed(1)}%  ${o.microsPerReq.toFixed(1)} us  ${o.owner}`)
    for (const [k, v] of t.top) console.log(`   ${(v * 100).toFixed(1)}%  ${k}`)
  }
}
