/**
 * The `velox-mock-upstream` command: runs the mock until SIGINT or SIGTERM.
 *
 *   velox-mock-upstream [--port N] [--host H] [--latency-ms N] [--chunk-delay-ms N] [--api-key K]
 *
 * `PORT` in the environment is used when `--port` is not given.
 */
import { parseArgs } from 'node:util'
import { createMockUpstream } from './server.js'

const USAGE =
  'usage: velox-mock-upstream [--port N] [--host H] [--latency-ms N] [--chunk-delay-ms N] [--api-key K]'

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value)) throw new RangeError(`${name} must be a non-negative integer, got ${value}`)
  return Number(value)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const mock = await createMockUpstream({
    port: integer('--port', values.port ?? process.env.PORT),
    host: values.host,
    latencyMs: integer('--latency-ms', values['latency-ms']),
    chunkDelayMs: integer('--chunk-delay-ms', values['chunk-delay-ms']),
    apiKey: values['api-key'],
  })
  const stop = () => {
    mock.close().then(() => process.exit(0))
  }
  // Handlers go in before the line below: whoever waits for it may signal at once.
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  console.log(`mock upstream listening on ${mock.url}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  console.error(USAGE)
  process.exit(1)
})
