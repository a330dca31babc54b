import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const children: ChildProcess[] = []

/** Runs the CLI from source through tsx (the built bin imports dist/cli.js, which tests do not need). */
function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /mock upstream listening on (\S+)\n/.exec(stdout)
      if (match) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)))
  })
  listening.catch(() => {})
  return { child, listening, output: () => ({ stdout, stderr }) }
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
})

describe('velox-mock-upstream CLI', () => {
  it('serves on the given options and stops cleanly on SIGTERM', async () => {
    const { child, listening } = run(['--port', '0', '--host', '127.0.0.1', '--latency-ms', '0'])
    const url = await listening
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${url}/v1/models`, { headers: { connection: 'close' } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { object: string }).object).toBe('list')
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })

  it('takes the port from PORT and stops on SIGINT', async () => {
    const { child, listening } = run([], { PORT: '0' })
    expect(await listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    child.kill('SIGINT')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })

  it('exits 1 with the usage on a bad option', async () => {
    const { child, output } = run(['--latency-ms', 'soon'])
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(output().stderr).toBe(
      '--latency-ms must be a non-negative integer, got soon\n' +
        'usage: velox-mock-upstream [--port N] [--host H] [--latency-ms N] [--chunk-delay-ms N] [--api-key K]\n',
    )
  })
})
