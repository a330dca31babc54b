import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createMockUpstream } from '@velox/mock-upstream'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveBudget } from '../../src/budget/budget-options.js'
import { Budgets } from '../../src/budget/budgets.js'
import { RedisBudgetStore } from '../../src/budget/redis-budget-store.js'
import { deletePrefix, gatewayProcess, randomPrefix, SHARED_REDIS } from '../redis-helpers.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const prefixes: string[] = []
const stores: RedisBudgetStore[] = []

function setup(options: object, clock: { now: number }) {
  const prefix = randomPrefix()
  prefixes.push(prefix)
  const config = resolveBudget({ ...options, now: () => clock.now, store: { redis: SHARED_REDIS, prefix } })!
  const store = new RedisBudgetStore({ redis: SHARED_REDIS, prefix, timeoutMs: 5_000 })
  stores.push(store)
  return { budgets: new Budgets(config, store), store, prefix }
}

afterAll(async () => {
  for (const s of stores) await s.close()
  for (const p of prefixes) await deletePrefix(SHARED_REDIS, p)
})

describe('Budgets in Redis', () => {
  it('reserves, settles, refuses, and recovers at the next period (injected clock)', async () => {
    const clock = { now: Date.UTC(2026, 11, 5, 13) }
    const { budgets } = setup({ amount: 1, period: 'day' }, clock)
    const a = await budgets.reserve('k', 0.75)
    expect(a).toMatchObject({ granted: true, remaining: 0.25, resetAtMs: Date.UTC(2026, 11, 6) })
    a.hold!.settle(0.5)
    // Settlements are not awaited: the next call on the same connection runs after it.
    const b = await budgets.reserve('k', 0.5)
    expect(b).toMatchObject({ granted: true, remaining: 0 })
    expect(await budgets.reserve('k', 0.01)).toMatchObject({ granted: false, level: 'key', remaining: 0 })
    clock.now = Date.UTC(2026, 11, 6, 0, 0, 1)
    expect(await budgets.reserve('k', 1)).toMatchObject({ granted: true, remaining: 0 })
  })

  it('charges key and group once each, all or nothing', async () => {
    const clock = { now: Date.UTC(2026, 11, 5, 13) }
    const { budgets } = setup(
      { amount: 1, period: 'month', groups: { of: () => 'team', amount: 1.5 } },
      clock,
    )
    const a = await budgets.reserve('alice', 1)
    expect(a.granted).toBe(true)
    a.hold!.settle(0.9)
    expect(await budgets.reserve('bob', 0.7)).toMatchObject({ granted: false, level: 'group' })
    const b = await budgets.reserve('bob', 0.6)
    expect(b).toMatchObject({ granted: true, remaining: 0 })
    expect(await budgets.reserve('alice', 0.01)).toMatchObject({ granted: false })
  })

  it('two gateway processes racing one budget never overspend it; each request is charged its real cost once', async () => {
    const mock = await createMockUpstream()
    const prefix = randomPrefix()
    prefixes.push(prefix)
    const price = { input: 100, output: 1_000 } // per million tokens
    const options = {
      pricing: { 'gpt-4o': price },
      budget: { amount: 0.5, period: 'day', store: { redis: SHARED_REDIS, prefix, timeoutMs: 5_000 } },
    }
    const gateways = await Promise.all([gatewayProcess(mock.url, options), gatewayProcess(mock.url, options)])
    try {
      const body = JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'race' }],
      })
      const ask = async (url: string) => {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-racer' },
          body,
        })
        return { status: res.status, json: await res.json() }
      }
      let charged = 0 // the real cost of every granted request, in millionths, as each is settled
      const statuses: number[] = []
      // Waves of 8 concurrent requests, half to each gateway, until a whole wave is refused (settled
      // real costs are lower than the worst cases reserved, so room comes back for a while).
      for (let wave = 0; wave < 60 && (wave === 0 || !statuses.slice(-8).every((s) => s === 429)); wave++) {
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(gateways[i % 2]!.url)))
        for (const a of answers) {
          statuses.push(a.status)
          if (a.status !== 200) continue
          const u = (a.json as { usage: { prompt_tokens: number; completion_tokens: number } }).usage
          charged += Math.round(
            ((u.prompt_tokens * price.input + u.completion_tokens * price.output) / 1e6) * 1e6,
          )
        }
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(8)
      expect(statuses).toContain(429)
      const { Redis } = await import('ioredis')
      const client = new Redis(SHARED_REDIS)
      const keys = await client.keys(`${prefix}*`)
      // A settlement is sent when its exchange ends, after the client has its answer: wait for the last.
      let spent = Number(await client.get(keys[0]!))
      for (let i = 0; i < 100 && spent !== charged; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        spent = Number(await client.get(keys[0]!))
      }
      client.disconnect()
      expect(keys).toHaveLength(1)
      expect(spent).toBe(charged)
      expect(spent).toBeLessThanOrEqual(500_000)
    } finally {
      for (const g of gateways) await g.stop()
      await mock.close()
    }
  })

  it('two processes racing one budget never overspend it, and every real cost is counted once', async () => {
    const prefix = randomPrefix()
    prefixes.push(prefix)
    const race = { url: SHARED_REDIS, prefix, amount: 10, worst: 0.03, real: 0.02 }
    const racer = () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../fixtures/budget-racer.ts', import.meta.url))],
        {
          cwd: ROOT,
          env: { ...process.env, VELOX_TEST_RACE: JSON.stringify(race) },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      )
      let out = ''
      let onReady: () => void
      const ready = new Promise<void>((resolve) => {
        onReady = resolve
      })
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.includes('READY')) onReady()
      })
      const done = new Promise<number>((resolve, reject) => {
        child.once('exit', (code) => {
          const m = /GRANTED (\d+)/.exec(out)
          if (code === 0 && m) resolve(Number(m[1]))
          else reject(new Error(`racer exited with ${code}: ${out}`))
        })
      })
      return { child, ready, done }
    }
    const racers = [racer(), racer()]
    await Promise.all(racers.map((r) => r.ready))
    for (const r of racers) r.child.stdin!.write('go\n')
    const [one, two] = await Promise.all(racers.map((r) => r.done))
    const { Redis } = await import('ioredis')
    const client = new Redis(SHARED_REDIS)
    const keys = await client.keys(`${prefix}*`)
    const spent = Number(await client.get(keys[0]!))
    client.disconnect()
    expect(keys).toHaveLength(1)
    // Each granted request was settled to 0.02: the spend is exactly their sum, within the amount.
    expect(spent).toBe((one + two) * 20_000)
    expect(spent).toBeLessThanOrEqual(10_000_000)
    // The budget was used up: no room was left for one more worst case when both stopped.
    expect(spent + 30_000).toBeGreaterThan(10_000_000)
    expect(one).toBeGreaterThan(0)
    expect(two).toBeGreaterThan(0)
  })
})
