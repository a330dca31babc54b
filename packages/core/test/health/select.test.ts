import { describe, expect, it } from 'vitest'
import { resolveHealth } from '../../src/health/health-options.js'
import { selectCandidates } from '../../src/health/select.js'
import { UpstreamHealth } from '../../src/health/upstream-health.js'

const options = resolveHealth({ baseEjectionMs: 1_000 })!

function upstreams(...names: string[]) {
  return new Map(names.map((n) => [n, new UpstreamHealth(n, options)]))
}

function eject(h: UpstreamHealth, now: number) {
  h.eject(now, 'consecutive-5xx')
}

describe('selectCandidates', () => {
  it('returns the same list, unallocated, when every candidate is available', () => {
    const health = upstreams('a', 'b')
    const candidates = ['a', 'b']
    const s = selectCandidates({
      candidates,
      healthOf: (c) => health.get(c),
      model: 'm',
      now: 0,
      maxEjectionPercent: 100,
    })
    expect(s.candidates).toBe(candidates)
    expect(s.panic).toBe(false)
  })

  it('skips ejected and cooling upstreams', () => {
    const health = upstreams('a', 'b', 'c')
    eject(health.get('a')!, 0)
    health.get('b')!.cool(429, 2_000, 'm', 0)
    const pick = (model: string, now: number) =>
      selectCandidates({
        candidates: ['a', 'b', 'c'],
        healthOf: (c) => health.get(c),
        model,
        now,
        maxEjectionPercent: 100,
      })
    expect(pick('m', 0)).toEqual({ candidates: ['c'], panic: false, skipped: 2 })
    expect(pick('other', 0)).toEqual({ candidates: ['b', 'c'], panic: false, skipped: 1 })
    expect(pick('m', 999).candidates).toEqual(['c'])
    expect(pick('m', 1_000).candidates).toEqual(['a', 'c']) // a is half-open: its probe may go
    expect(pick('m', 2_000).candidates).toEqual(['a', 'b', 'c'])
  })

  it('tries every candidate in order when all are out (panic), never none', () => {
    const health = upstreams('a', 'b')
    eject(health.get('a')!, 0)
    eject(health.get('b')!, 0)
    const candidates = ['a', 'b']
    expect(
      selectCandidates({
        candidates,
        healthOf: (c) => health.get(c),
        model: undefined,
        now: 0,
        maxEjectionPercent: 100,
      }),
    ).toEqual({ candidates: ['a', 'b'], panic: true, skipped: 0 })
  })

  it('skips no more than maxEjectionPercent, keeping the ones that return soonest after the healthy', () => {
    const health = upstreams('a', 'b', 'c', 'd')
    health.get('a')!.cool(503, 5_000, undefined, 0)
    health.get('b')!.cool(503, 1_000, undefined, 0)
    health.get('c')!.cool(503, 3_000, undefined, 0)
    const s = selectCandidates({
      candidates: ['a', 'b', 'c', 'd'],
      healthOf: (c) => health.get(c),
      model: undefined,
      now: 0,
      maxEjectionPercent: 50,
    })
    expect(s).toEqual({ candidates: ['d', 'b'], panic: true, skipped: 2 })
    const none = selectCandidates({
      candidates: ['a', 'd'],
      healthOf: (c) => health.get(c),
      model: undefined,
      now: 0,
      maxEjectionPercent: 0,
    })
    expect(none).toEqual({ candidates: ['d', 'a'], panic: true, skipped: 0 })
  })

  it('treats a candidate without health as available', () => {
    const s = selectCandidates({
      candidates: ['x'],
      healthOf: () => undefined,
      model: undefined,
      now: 0,
      maxEjectionPercent: 100,
    })
    expect(s.candidates).toEqual(['x'])
  })
})
