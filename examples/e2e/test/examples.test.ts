/**
 * Runs each example the way its README says (its `start` script: tsx over the workspace sources),
 * with PORT=0 and no upstream configured, so it serves the mock upstream on a port it prints; talks
 * to it with the official openai SDK; then stops it with SIGTERM and expects a clean exit, code 0.
 */
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, type Running, startExample } from './start-example.js'

const EXAMPLES = ['express-basic', 'koa-basic', 'fastify-basic']
describe.each(EXAMPLES)('example %s', (name) => {
  const started = new Set<ChildProcess>()
  let example: Running
  let client: OpenAI
  const messages = [{ role: 'user' as const, content: `Hello from ${name}` }]

  beforeAll(async () => {
    example = await startExample(name, started)
    client = new OpenAI({ apiKey: 'unused', baseURL: `${example.url}/v1`, maxRetries: 0 })
  })

  // Whatever failed above, leave no example running.
  afterAll(() => killAll(started))

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
