// The soak's correctness part in CI: 10 s of the mixed load and the fault schedule through the
// gateway; every reply must be its own request's (0 crossed), every reply that should come must
// come whole (0 lost), and the failing primary must have been ejected. Timings and memory stay in
// bench/ (`pnpm soak`).
import { describe, expect, it } from 'vitest'
import { KINDS } from '../soak/requests.js'
import { runSoak } from '../soak/soak.js'

describe('soak, 10 s', () => {
  it('loses and crosses no reply through faults, resets, leaving clients and an upstream going down', async () => {
    const r = await runSoak({ adapter: 'express', durationMs: 10_000, concurrency: 8 })
    expect(r.problems).toEqual([])
    expect(r.crossed).toBe(0)
    expect(r.lost).toBe(0)
    expect(r.ejections).toBeGreaterThan(0)
    expect(r.cooldowns).toBeGreaterThan(0)
    for (const kind of KINDS) {
      const c = r.byKind[kind]
      expect(c.sent, kind).toBeGreaterThan(0)
      const expected = kind === 'client-leaves' ? c.left : kind === 'reset-mid-stream' ? c.cut : c.ok
      expect(expected, kind).toBe(c.sent)
    }
  }, 60_000)
})
