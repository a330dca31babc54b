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

  it('has a class for every body up to maxBytes, even when maxBytes is not a power of two', () => {
    const pool = new BufferPool(5_000_000)
    const slab = pool.acquire(5_000_000)
    expect(slab.length).toBe(8 * 1024 * 1024)
    pool.release(slab)
    expect(pool.acquire(4_200_000)).toBe(slab)
  })

  it('reuses a released slab of the same class', () => {
    const pool = new BufferPool(1024 * 1024)
    const slab = pool.acquire(10_000)
    pool.release(slab)
    expect(pool.acquire(9_000)).toBe(slab)
    expect(pool.stats()).toEqual({
      acquired: 2,
      released: 1,
      inUse: 1,
      allocated: 1,
      dropped: 0,
      quarantined: 0,
      free: 0,
      freeBytes: 0,
    })
  })

  it('keeps no more idle bytes than allowed, all classes together, and says which slabs it let go', () => {
    const pool = new BufferPool(1024 * 1024, { maxFreeBytes: 64 * 1024 })
    const discarded: number[] = []
    pool.onDiscard = (slab) => discarded.push(slab.length)
    const slabs = [32, 32, 32, 8, 4].map((kib) => pool.acquire(kib * 1024))
    for (const slab of slabs) pool.release(slab)
    expect(pool.stats()).toMatchObject({ inUse: 0, free: 2, freeBytes: 64 * 1024, released: 5 })
    expect(discarded).toEqual([32 * 1024, 8 * 1024, 4 * 1024])
  })

  it('allocates slabs from sharedFromBytes up in shared memory, the others in plain memory', () => {
    const pool = new BufferPool(4 * 1024 * 1024, { sharedFromBytes: 1024 * 1024 })
    expect(pool.acquire(512 * 1024).buffer).toBeInstanceOf(ArrayBuffer)
    expect(pool.acquire(700_000).buffer).toBeInstanceOf(SharedArrayBuffer) // its class is 1 MiB
    expect(pool.acquire(3_000_000).buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(new BufferPool(4 * 1024 * 1024).acquire(3_000_000).buffer).toBeInstanceOf(ArrayBuffer)
  })
})

describe('BufferPool.releaseWithoutReuse', () => {
  it('counts the slab as released but never hands it out again', () => {
    const pool = new BufferPool(1024 * 1024)
    const slab = pool.acquire(10_000)
    pool.releaseWithoutReuse(slab, slab.subarray(0, 10_000))
    expect(pool.acquire(10_000)).not.toBe(slab)
    // Ordinary memory is the GC's: nothing waits in quarantine.
    expect(pool.stats()).toMatchObject({
      acquired: 2,
      released: 1,
      inUse: 1,
      dropped: 1,
      quarantined: 0,
      free: 0,
    })
  })
})
