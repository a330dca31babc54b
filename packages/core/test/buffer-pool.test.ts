import { describe, expect, it } from 'vitest'
import { BufferPool } from '../src/ingress/buffer-pool.js'

describe('BufferPool', () => {
  it('hands out power-of-two slabs from 4 KiB up', () => {
    const pool = new BufferPool(1024 * 1024)
    expect(pool.acquire(1).length).toBe(4096)
    expect(pool.acquire(4096).length).toBe(4096)
    expect(pool.acquire(4097).length).toBe(8192)
    expect(pool.acquire(1024 * 1024).length).toBe(1024 * 1024)
  })

  it('reuses a released slab of the same class', () => {
    const pool = new BufferPool(1024 * 1024)
    const slab = pool.acquire(10_000)
    pool.release(slab)
    expect(pool.acquire(9_000)).toBe(slab)
    expect(pool.stats()).toEqual({ acquired: 2, released: 1, inUse: 1, allocated: 1, free: 0, freeBytes: 0 })
  })

  it('keeps no more idle bytes per class than allowed', () => {
    const pool = new BufferPool(1024 * 1024, 64 * 1024)
    const slabs = Array.from({ length: 4 }, () => pool.acquire(32 * 1024))
    for (const slab of slabs) pool.release(slab)
    expect(pool.stats()).toMatchObject({ inUse: 0, free: 2, freeBytes: 64 * 1024 })
  })
})
