import { describe, expect, it } from 'vitest'
import { Cooldowns, MAX_MODELS } from '../../src/health/cooldown.js'

describe('Cooldowns', () => {
  it('extends a deadline and never shortens it', () => {
    const c = new Cooldowns()
    expect(c.extend('gpt-4o', 2_000, 0)).toBe(true)
    expect(c.extend('gpt-4o', 1_000, 500)).toBe(false)
    expect(c.until('gpt-4o', 1_999)).toBe(2_000)
    expect(c.extend('gpt-4o', 3_000, 1_000)).toBe(true)
    expect(c.until('gpt-4o', 2_999)).toBe(3_000)
    expect(c.until('gpt-4o', 3_000)).toBe(0)
  })

  it('keys models apart and lets the upstream-wide deadline cover every model', () => {
    const c = new Cooldowns()
    c.extend('gpt-4o', 2_000, 0)
    expect(c.until('gpt-4o-mini', 0)).toBe(0)
    expect(c.until(undefined, 0)).toBe(0)
    c.extend(undefined, 5_000, 0)
    expect(c.until('gpt-4o-mini', 0)).toBe(5_000)
    expect(c.until('gpt-4o', 0)).toBe(5_000)
    expect(c.models(0)).toBe(1)
  })

  it('stays bounded: expired entries go first, then the oldest', () => {
    const c = new Cooldowns()
    for (let i = 0; i < MAX_MODELS; i++) c.extend(`m${i}`, i < 10 ? 100 : 10_000, 0)
    c.extend('new', 10_000, 200)
    expect(c.models(200)).toBe(MAX_MODELS - 10 + 1)
    const full = new Cooldowns()
    for (let i = 0; i < MAX_MODELS; i++) full.extend(`m${i}`, 10_000, 0)
    full.extend('new', 10_000, 0)
    expect(full.models(0)).toBe(MAX_MODELS)
    expect(full.until('m0', 0)).toBe(0)
    expect(full.until('m1', 0)).toBe(10_000)
  })
})
