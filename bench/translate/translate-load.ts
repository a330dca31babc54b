/**
 * Translation end to end: the same gateway process (gateway-server.ts) in front of the mock
 * upstream, driven by autocannon on 127.0.0.1, answering four kinds of request in interleaved
 * rounds: an OpenAI chat request passed through to an OpenAI-format upstream and the same request
 * translated to an Anthropic-format one (chat -> Messages), and an Anthropic Messages request
 * passed through to the Anthropic-format upstream and translated to the OpenAI-format one
 * (Messages -> chat). JSON and SSE (20 events). Reported: the gateway process's CPU per request,
 * the median of ROUNDS runs, and the translated/pass-through ratio (issue 11 aims at <= 1.5x for SSE).
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { chatBody } from '../lib/bodies.js'
import { startMock } from '../lib/processes.js'
import { median } from '../lib/suite.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 16

export interface TranslateLoadRow {
  case: string
  passThroughMicros: number
  translatedMicros: number
  /** translated / pass-through CPU per request. */
  ratio: number
  failures: number
}

interface Case {
  path: string
  body: Buffer
  headers: Record<string, string>
}

function cases(stream: boolean): Array<[string, Case, Case]> {
  const chat = JSON.parse(chatBody(4 * 1024, 8).toString())
  const headers = { 'content-type': 'application/json', 'x-mock-chunks': '20' }
  const anthropic = { ...headers, 'anthropic-version': '2023-06-01' }
  const chatOf = (model: string) => Buffer.from(JSON.stringify({ ...chat, model, stream }))
  const messagesOf = (model: string) =>
    Buffer.from(JSON.stringify({ model, max_tokens: 256, stream, messages: chat.messages }))
  return [
    [
      'chat -> Messages',
      { path: '/v1/chat/completions', body: chatOf('gpt-4o-mini'), headers },
      { path: '/v1/chat/completions', body: chatOf('claude-x'), headers },
    ],
    [
      'Messages -> chat',
      { path: '/v1/messages', body: messagesOf('claude-x'), headers: anthropic },
      { path: '/v1/messages', body: messagesOf('gpt-4o-mini'), headers: anthropic },
    ],
  ]
}

async function startGateway(upstream: string) {
  const script = fileURLToPath(new URL('./gateway-server.ts', import.meta.url))
  const child = fork(script, [upstream], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = async <T>(command: string): Promise<T> => {
    const reply = once(child, 'message') as Promise<[T]>
    child.send(command)
    return (await reply)[0]
  }
  const [ready] = (await once(child, 'message')) as [{ port: number }]
  return {
    url: `http://127.0.0.1:${ready.port}`,
    begin: () => ask<void>('begin'),
    end: () => ask<{ cpuMicros: number }>('end'),
    async stop() {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

type Gateway = Awaited<ReturnType<typeof startGateway>>

async function measure(gateway: Gateway, c: Case, seconds: number) {
  await gateway.begin()
  const result = await autocannon({
    url: `${gateway.url}${c.path}`,
    method: 'POST',
    headers: c.headers,
    body: c.body,
    connections: CONNECTIONS,
    duration: seconds,
  })
  const { cpuMicros } = await gateway.end()
  return {
    cpu: cpuMicros / Math.max(1, result.requests.total),
    failures: result.non2xx + result.errors + result.timeouts,
  }
}

export async function benchTranslateLoad(): Promise<TranslateLoadRow[]> {
  const mock = await startMock()
  const gateway = await startGateway(mock.url)
  try {
    const rows: TranslateLoadRow[] = []
    for (const stream of [false, true]) {
      for (const [name, pass, translated] of cases(stream)) {
        const label = `${name}, ${stream ? 'SSE (20 events)' : 'JSON'}`
        await measure(gateway, pass, 1) // warm-up (JIT, connections)
        await measure(gateway, translated, 1)
        const cpu = { pass: [] as number[], translated: [] as number[] }
        let failures = 0
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate which runs first, so neither always meets the busier moment.
          const order =
            round % 2 === 0 ? (['pass', 'translated'] as const) : (['translated', 'pass'] as const)
          for (const which of order) {
            const m = await measure(gateway, which === 'pass' ? pass : translated, SECONDS)
            cpu[which].push(m.cpu)
            failures += m.failures
          }
          console.log(
            `translate load | ${label}: pass-through ${cpu.pass.at(-1)!.toFixed(0)} us, translated ${cpu.translated.at(-1)!.toFixed(0)} us CPU/req`,
          )
        }
        const p = median(cpu.pass)
        const t = median(cpu.translated)
        rows.push({ case: label, passThroughMicros: p, translatedMicros: t, ratio: t / p, failures })
      }
    }
    return rows
  } finally {
    await gateway.stop()
    await mock.stop()
  }
}

export const TRANSLATE_LOAD_SETUP = `${ROUNDS} rounds of ${SECONDS} s per case, ${CONNECTIONS} connections, after a 1 s warm-up`
