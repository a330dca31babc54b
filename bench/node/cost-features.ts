/**
 * What issue 13's features cost: CPU time per request of a gateway with pricing, budgets, the
 * include_usage splice and a (missing) response cache, against the same gateway with all of them
 * off, and of a cache hit against a proxied request; JSON (a 4 KB chat request) and SSE (20
 * events). Each gateway runs in its own process (bench/node/cost-server.ts) in front of the mock
 * upstream, driven by autocannon on 127.0.0.1 for a bounded time; every number is the median of
 * ROUNDS interleaved runs, and every comparison a ratio measured in the same run.
 *
 * Standalone: `pnpm --filter @velox/bench exec tsx node/cost-features.ts` prints the table.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { chatBody } from '../lib/bodies.js'
import { startMock } from '../lib/processes.js'
import { median } from '../lib/suite.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 16
export const COST_MODES = [
  ['off', 'features off'],
  ['on', 'pricing + budget + usage splice + cache (miss)'],
  ['hit', 'cache hit'],
  ['floor', 'node:http, fixed reply, no gateway (the floor)'],
] as const

export interface CostRow {
  mode: string
  cpuMicrosPerReq: number
  /** Against `off`, measured in the same rounds. */
  cpuRatio: number
  failures: number
}

export interface CostTable {
  title: string
  rows: CostRow[]
}

interface Server {
  child: ChildProcess
  url: string
  ask<T>(command: string): Promise<T>
}

async function start(mode: string, upstream: string): Promise<Server> {
  const script = fileURLToPath(new URL('./cost-server.ts', import.meta.url))
  const child = fork(script, [mode, upstream], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [ready] = (await once(child, 'message')) as [{ port: number }]
  return {
    child,
    url: `http://127.0.0.1:${ready.port}`,
    async ask<T>(command: string): Promise<T> {
      const reply = once(child, 'message') as Promise<[T]>
      child.send(command)
      return (await reply)[0]
    },
  }
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  await exited
}

async function measure(server: Server, body: Buffer, headers: Record<string, string>) {
  await server.ask('begin')
  const result = await autocannon({
    url: `${server.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', ...headers },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
  })
  const { cpuMicros } = await server.ask<{ cpuMicros: number }>('end')
  return {
    cpu: cpuMicros / Math.max(1, result.requests.total),
    failures: result.non2xx + result.errors + result.timeouts,
  }
}

export async function benchCostFeatures(): Promise<CostTable[]> {
  const mock = await startMock()
  const servers: Server[] = []
  try {
    for (const [mode] of COST_MODES) servers.push(await start(mode, mock.url))
    const json = JSON.parse(chatBody(4 * 1024, 8).toString())
    const cases: Array<[string, Buffer, Record<string, string>]> = [
      [
        'JSON, 4 KB chat request',
        Buffer.from(JSON.stringify({ ...json, model: 'gpt-4o', stream: false })),
        {},
      ],
      [
        'SSE, 4 KB chat request, 20 events',
        Buffer.from(JSON.stringify({ ...json, model: 'gpt-4o', stream: true })),
        { 'x-mock-chunks': '20' },
      ],
    ]
    const tables: CostTable[] = []
    for (const [title, body, headers] of cases) {
      const cpu: number[][] = COST_MODES.map(() => [])
      const failures = COST_MODES.map(() => 0)
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < servers.length; i++) {
          const m = await measure(servers[i]!, body, headers)
          cpu[i]!.push(m.cpu)
          failures[i]! += m.failures
        }
      }
      const base = median(cpu[0]!)
      tables.push({
        title,
        rows: COST_MODES.map(([, label], i) => ({
          mode: label,
          cpuMicrosPerReq: median(cpu[i]!),
          cpuRatio: median(cpu[i]!) / base,
          failures: failures[i]!,
        })),
      })
    }
    return tables
  } finally {
    for (const s of servers) await stop(s)
    await mock.stop()
  }
}

/** The tables as Markdown. */
export function costTablesMarkdown(tables: CostTable[]): string[] {
  const lines: string[] = []
  for (const t of tables) {
    lines.push(
      `#### ${t.title}`,
      '',
      '| gateway | CPU us / request | vs features off | failures |',
      '| --- | ---: | ---: | ---: |',
    )
    for (const r of t.rows) {
      lines.push(
        `| ${r.mode} | ${r.cpuMicrosPerReq.toFixed(0)} | ${r.cpuRatio.toFixed(2)}x | ${r.failures} |`,
      )
    }
    lines.push('')
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(costTablesMarkdown(await benchCostFeatures()).join('\n'))
}
