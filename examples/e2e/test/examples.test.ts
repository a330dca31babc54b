/**
 * Runs each example the way its README says (its `start` script: tsx over the workspace sources),
 * with PORT=0 and no upstream configured, so it serves the mock upstream on a port it prints; talks
 * to it with the official openai SDK; then stops it with SIGTERM and expects a clean exit, code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const EXAMPLES = ['express-basic', 'koa-basic', 'fastify-basic']
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

interface Running {
  child: ChildProcess
  url: string
}

/** Spawns `pnpm start` of the example without pnpm in between (its script is `tsx ...`). */
function startExample(name: string, started: Set<ChildProcess>): Promise<Running> {
  const cwd = fileURLToPath(new URL(`../../${name}/`, import.meta.url))
  const start: string = JSON.parse(readFileSync(`${cwd}package.json`, 'utf8')).scripts.start
  const [command, ...args] = start.split(' ')
  expect(command).toBe('tsx')
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
  delete env.OPENAI_API_KEY
  delete env.VELOX_UPSTREAM_ORIGIN
  // Its own process group, so afterAll can kill tsx and the node process it runs in one go.
  const child = spawn(process.execPath, [tsxCli, ...args], { cwd, env, detached: true })
  started.add(child)
  return new Promise((resolve, reject) => {
    let output = ''
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match) {
        child.off('exit', onExit)
        resolve({ child, url: match[1]! })
      }
    }
    const onExit = (code: number | null) => {
      reject(new Error(`${name} exited (code ${code}) before listening:\n${output}`))
    }
    child.stdout!.on('data', onOutput)
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', onExit)
  })
}

describe.each(EXAMPLES)('example %s', (name) => {
  const started = new Set<ChildProcess>()
  let example: Running
  let client: OpenAI
  const messages = [{ role: 'user' as const, content: `Hello from ${name}` }]

  beforeAll(async () => {
    example = await startExample(name, started)
    client = new OpenAI({ apiKey: 'unused', baseURL: `${example.url}/v1`, maxRetries: 0 })
  })

  afterAll(() => {
    // Whatever failed above, leave no example running: tsx and the node process it started.
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // ESRCH: the group exited already
      }
    }
  })

  it('answers a chat completion through the openai SDK', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(completion.choices[0]!.message.content).toBe(`Mock reply to: Hello from ${name}`)
  })

  it('streams a chat completion through the openai SDK', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    const deltas: string[] = []
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content
      if (content) deltas.push(content)
    }
    // One delta per word piece, exactly as the mock sends them.
    expect(deltas).toEqual(['Mock', ' reply', ' to:', ' Hello', ' from', ` ${name}`])
  })

  it('shuts down cleanly on SIGTERM: exit code 0, no signal', async () => {
    const exited = once(example.child, 'exit')
    example.child.kill('SIGTERM')
    const [code, signal] = await exited
    expect({ code, signal }).toEqual({ code: 0, signal: null })
  })
})
