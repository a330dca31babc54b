import { describe, expect, it } from 'vitest'
import { BufferPool } from '../../src/ingress/buffer-pool.js'
import { WasmArena } from '../../src/ingress/wasm-arena.js'
import { createFieldScanner } from '../../src/json/simd/field-scanner.js'
import { collectUntil } from '../helpers/force-gc.js'

/** Retires `slab` with a view of it made here, so that nothing is left holding the view. */
function retireWithView(pool: BufferPool, slab: Buffer): void {
  pool.releaseWithoutReuse(slab, slab.subarray(0, 10_000))
}

function write(slab: Buffer, text: string): Buffer {
  const length = slab.write(text)
  return slab.subarray(0, length)
}

describe('WasmArena', () => {
  it('hands out 64-byte aligned slabs of shared WebAssembly memory, and reuses a freed one for the same size', () => {
    const arena = new WasmArena({ initialBytes: 64 * 1024, maxBytes: 1024 * 1024 })
    const a = arena.allocate(100)!
    const b = arena.allocate(4096)!
    expect(a.length).toBe(128)
    expect(b.byteOffset % 64).toBe(0)
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(arena.contains(a) && arena.contains(b.subarray(10))).toBe(true)
    expect(arena.contains(Buffer.alloc(10))).toBe(false)
    arena.free(b)
    const again = arena.allocate(4096)!
    expect(again.byteOffset).toBe(b.byteOffset)
    expect(arena.stats()).toMatchObject({ inUse: 2, inUseBytes: 128 + 4096, free: 0, refused: 0 })
  })

  it('keeps slabs valid across a grow, and refuses past maxBytes', () => {
    const arena = new WasmArena({ initialBytes: 64 * 1024, maxBytes: 256 * 1024 })
    const first = arena.allocate(60 * 1024)!
    first.write('before the grow')
    const second = arena.allocate(100 * 1024)! // grows the memory
    expect(arena.stats().memoryBytes).toBe(192 * 1024) // 64 KiB doubled is not enough: the 3 pages needed
    expect(first.toString('utf8', 0, 15)).toBe('before the grow')
    expect(arena.contains(first) && arena.contains(second)).toBe(true)
    expect(arena.allocate(200 * 1024)).toBeUndefined()
    expect(arena.stats().refused).toBe(1)
  })
})

describe('pool slabs in the arena, scanned in place', () => {
  it('never reads a body after its slab is released and reused (slab reuse regression)', () => {
    const arena = new WasmArena({ maxBytes: 8 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { arena })
    const scanner = createFieldScanner(arena)
    expect(scanner.simd).toBeDefined()

    const long = `{"messages":[{"role":"user","content":"${'x'.repeat(5000)}"}],"model":"first","stream":true,"user":"u1"}`
    const slab = pool.acquire(long.length)
    expect(arena.contains(slab)).toBe(true)
    const first = scanner.extract(write(slab, long))
    expect(first).toMatchObject({ model: 'first', stream: true, user: 'u1' })
    pool.release(slab)

    // The same slab again: the new body is shorter, so the old one's bytes (its model, its closing
    // brace) still lie after it. The scan must stop at the new body's end.
    const reused = pool.acquire(long.length)
    expect(reused.byteOffset).toBe(slab.byteOffset)
    const second = `{"model":"second","messages":[{"role":"user","content":"${'y'.repeat(600)}`
    expect(() => scanner.extract(write(reused, second))).toThrow(
      `Unterminated string at byte ${second.lastIndexOf('"')}`,
    )
    const third = scanner.extract(write(reused, `{"model":"third","x":"${'z'.repeat(700)}"}`))
    expect(third).toMatchObject({ model: 'third', stream: undefined, user: undefined })
    // What a scan returns owns its strings: overwriting the slab changes nothing in it.
    reused.fill(0x20)
    expect(third.model).toBe('third')
    expect(first.model).toBe('first')
    pool.release(reused)
  })

  it('never hands out a slab given back with releaseWithoutReuse while the body sent from it lives (a socket may still read it)', async () => {
    const arena = new WasmArena({ maxBytes: 8 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { arena })
    const discarded: Buffer[] = []
    pool.onDiscard = (slab) => discarded.push(slab)
    const held = pool.acquire(16 * 1024)
    const sent = held.subarray(0, 10_000) // what a pending socket write would hold
    pool.releaseWithoutReuse(held, sent)
    // The offload is not told: the memory is shared with every other arena slab, and stays.
    expect(discarded).toEqual([])
    expect(pool.stats()).toMatchObject({ dropped: 1, quarantined: 1 })
    // Collections while the body lives change nothing.
    expect(await collectUntil(() => pool.stats().quarantined === 0, 5)).toBe(false)
    const later = Array.from({ length: 8 }, () => pool.acquire(16 * 1024))
    expect(later.map((s) => s.byteOffset)).not.toContain(held.byteOffset)
    for (const s of later) pool.release(s)
    expect(pool.stats()).toMatchObject({ acquired: 9, released: 9, inUse: 0, quarantined: 1 })
    expect(arena.stats()).toMatchObject({ inUse: 9, free: 0 })
    expect(sent.length).toBe(10_000) // alive to here
  })

  it('gives a quarantined slab back to the arena once the body sent from it is collected, and reuses it', async () => {
    const arena = new WasmArena({ maxBytes: 8 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { arena, maxFreeBytes: 0 })
    const slab = pool.acquire(16 * 1024)
    retireWithView(pool, slab) // the view is unreachable once this returns
    expect(pool.stats()).toMatchObject({ dropped: 1, quarantined: 1 })
    expect(arena.stats()).toMatchObject({ inUse: 1, free: 0 })
    const memoryBytes = arena.stats().memoryBytes

    expect(await collectUntil(() => pool.stats().quarantined === 0)).toBe(true)
    expect(arena.stats()).toMatchObject({ inUse: 0, free: 1, freeBytes: 16 * 1024, memoryBytes })
    // Never to the pool's own free lists: the pool allocates, and the arena gives the same memory.
    expect(pool.stats()).toMatchObject({ free: 0, allocated: 1 })
    const next = pool.acquire(16 * 1024)
    expect(next.byteOffset).toBe(slab.byteOffset)
    expect(pool.stats()).toMatchObject({ allocated: 2, quarantined: 0 })
    expect(arena.stats()).toMatchObject({ inUse: 1, free: 0, memoryBytes })
  })

  it('keeps an arena slab out of use for good when there is no view of it to wait for', () => {
    const arena = new WasmArena({ maxBytes: 8 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { arena })
    const slab = pool.acquire(16 * 1024)
    pool.releaseWithoutReuse(slab, null)
    const whole = pool.acquire(16 * 1024)
    pool.releaseWithoutReuse(whole, whole) // the slab object itself: a held value may not be its own target
    const elsewhere = pool.acquire(16 * 1024)
    pool.releaseWithoutReuse(elsewhere, Buffer.alloc(10))
    expect(pool.stats()).toMatchObject({ released: 3, dropped: 3, quarantined: 0 })
    expect(arena.stats()).toMatchObject({ inUse: 3, free: 0 })
  })

  it('gives a slab it does not keep back to the arena, and falls back to ordinary memory when the arena is full', () => {
    const arena = new WasmArena({ initialBytes: 64 * 1024, maxBytes: 256 * 1024 })
    const pool = new BufferPool(1024 * 1024, { arena, maxFreeBytes: 0 })
    const a = pool.acquire(64 * 1024)
    expect(arena.contains(a)).toBe(true)
    pool.release(a) // over the idle budget (0): back to the arena
    expect(arena.stats()).toMatchObject({ free: 1, freeBytes: 64 * 1024 })
    const big = pool.acquire(512 * 1024) // more than the arena may grow to
    expect(arena.contains(big)).toBe(false)
    expect(big.length).toBe(512 * 1024)
    const scanner = createFieldScanner(arena)
    expect(scanner.extract(write(big, `{"model":"outside","x":"${'q'.repeat(3000)}"}`)).model).toBe('outside')
  })
})
