/**
 * The production-shaped example, run as its README says: the app's users are the rate-limit keys,
 * unknown tokens get 401, usage events are logged per user, and the sidecar's /metrics counts
 * exactly the requests sent.
 */
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { killAll, type Running, startExample } from './start-example.js'

/** The sum of a counter's samples whose labels include `match`. */
function counter(metrics: string, name: string, match: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
}

describe('example production', () => {
  const started = new Set<ChildProcess>()
  let example: Running
  const client = (token: string) => new OpenAI({ apiKey: token, baseURL: `${example.url}/v1`, maxRetries: 0 })
  const messages = [{ role: 'user' as const, content: 'Hello from production' }]

  beforeAll(async () => {
    // A burst of 3 and a refill of 1 a minute: the 4th request of a user in this test is refused.
    example = await startExample('production', started, {
      SIDECAR_PORT: '0',
      VELOX_RATE_LIMIT_BURST: '3',
      VELOX_RATE_LIMIT_RPM: '1',
    })
  })
  afterAll(() => killAll(started))

  it('answers a signed-in user, plain and streamed', async () => {
    const alice = client('alice-token')
    const completion = await alice.chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(completion.choices[0]!.message.content).toBe('Mock reply to: Hello from production')
    const stream = await alice.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('Mock reply to: Hello from production')
  })

  it('refuses an unknown token with the app’s own 401', async () => {
    const err = await client('stolen-token')
      .chat.completions.create({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key')
  })

  it('limits each user on their own key: bob’s 4th request is refused, alice still passes', async () => {
    const bob = client('bob-token')
    for (let i = 0; i < 3; i++) await bob.chat.completions.create({ model: 'gpt-4o-mini', messages })
    const err = await bob.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('VELOX_ERR_RATE_LIMITED')
    const alice = await client('alice-token').chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(alice.choices[0]!.message.content).toBe('Mock reply to: Hello from production')
  })

  it('logs a usage event per answered request, keyed by user', async () => {
    const usage = () =>
      example
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{"usage"'))
        .map((line) => JSON.parse(line).usage)
    // The child prints each event as its request ends; its stdout reaches us a moment later.
    await vi.waitFor(() => expect(usage()).toHaveLength(6))
    expect(usage().map((u) => [u.key, u.upstream, u.status])).toEqual([
      ['alice', 'primary', 200],
      ['alice', 'primary', 200],
      ['bob', 'primary', 200],
      ['bob', 'primary', 200],
      ['bob', 'primary', 200],
      ['alice', 'primary', 200],
    ])
  })

  it('counts exactly those requests in the sidecar’s /metrics', async () => {
    const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(example.output())![1]!
    const metrics = await (await fetch(metricsUrl)).text()
    expect(counter(metrics, 'velox_requests_total', 'status="200"')).toBe(6)
    expect(counter(metrics, 'velox_requests_total', 'status="429"')).toBe(1)
  })

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = once(example.child, 'exit')
    example.child.kill('SIGTERM')
    expect(await exited).toEqual([0, null])
  })
})
