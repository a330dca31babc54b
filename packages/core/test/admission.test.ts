import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type AdmissionHandler, AdmissionQueue, PENDING, type Waiting } from '../src/limit/admission.js'

interface W extends Waiting {
  name: string
}

/** A handler whose buckets open when the test says so; it logs what the queue does. */
function harness(depth: number, sequential = false) {
  const open = new Map<string, number>() // bucket -> tokens
  const log: string[] = []
  let attempts = 0
  let pending: W[] = []
  const handler: AdmissionHandler<W> = {
    attempt(w) {
      attempts++
      if (sequential) {
        pending.push(w)
        return PENDING
      }
      const tokens = open.get(w.bucket) ?? 0
      if (tokens > 0) {
        open.set(w.bucket, tokens - 1)
        return 0
      }
      return 100
    },
    admitted: (w) => log.push(`admit ${w.name}`),
    expired: (w) => log.push(`expire ${w.name}`),
  }
  const queue = new AdmissionQueue<W>(depth, handler, sequential)
  const waiter = (name: string, bucket: string, waitMs = 1_000): W => ({
    name,
    bucket,
    deadline: performance.now() + waitMs,
    slot: -1,
  })
  return {
    queue,
    log,
    open,
    waiter,
    attempts: () => attempts,
    takePending: () => {
      const p = pending
      pending = []
      return p
    },
  }
}

describe('AdmissionQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('serves the waiters of a bucket in arrival order as tokens come, with one timer', () => {
    const h = harness(8)
    for (const name of ['a1', 'a2', 'a3']) expect(h.queue.push(h.waiter(name, 'a'), 100)).toBe(true)
    expect(vi.getTimerCount()).toBe(1)
    h.open.set('a', 2)
    vi.advanceTimersByTime(100)
    expect(h.log).toEqual(['admit a1', 'admit a2'])
    expect(h.queue.size).toBe(1)
    h.open.set('a', 1)
    vi.advanceTimersByTime(100)
    expect(h.log).toEqual(['admit a1', 'admit a2', 'admit a3'])
    expect(h.queue.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('answers no when it holds `depth` waiters', () => {
    const h = harness(2)
    expect(h.queue.push(h.waiter('a1', 'a'), 100)).toBe(true)
    expect(h.queue.push(h.waiter('a2', 'a'), 100)).toBe(true)
    expect(h.queue.push(h.waiter('a3', 'a'), 100)).toBe(false)
    expect(h.queue.size).toBe(2)
  })

  it('lets a waiter leave from the middle at once, and keeps the order after compacting holes', () => {
    const h = harness(4) // a ring of 4
    const ws = ['w1', 'w2', 'w3', 'w4'].map((name) => h.waiter(name, 'a'))
    for (const w of ws) h.queue.push(w, 100)
    h.queue.remove(ws[1]!)
    h.queue.remove(ws[2]!)
    expect(h.queue.size).toBe(2)
    expect(ws[1]!.slot).toBe(-1)
    // The ring is full of waiters and holes: the next two pushes compact it.
    expect(h.queue.push(h.waiter('w5', 'a'), 100)).toBe(true)
    expect(h.queue.push(h.waiter('w6', 'a'), 100)).toBe(true)
    expect(h.queue.push(h.waiter('w7', 'a'), 100)).toBe(false)
    h.open.set('a', 10)
    vi.advanceTimersByTime(100)
    expect(h.log).toEqual(['admit w1', 'admit w4', 'admit w5', 'admit w6'])
  })

  it('expires waiters at their deadline, oldest first', () => {
    const h = harness(8)
    h.queue.push(h.waiter('a1', 'a', 250), 100)
    vi.advanceTimersByTime(50)
    h.queue.push(h.waiter('a2', 'a', 250), 100)
    vi.advanceTimersByTime(200)
    expect(h.log).toEqual(['expire a1'])
    vi.advanceTimersByTime(50)
    expect(h.log).toEqual(['expire a1', 'expire a2'])
    expect(h.queue.size).toBe(0)
  })

  it('serves another bucket past a head whose bucket is still empty', () => {
    const h = harness(8)
    h.queue.push(h.waiter('a1', 'a'), 100)
    h.queue.push(h.waiter('a2', 'a'), 100)
    h.queue.push(h.waiter('b1', 'b'), 100)
    h.open.set('b', 1)
    vi.advanceTimersByTime(100)
    expect(h.log).toEqual(['admit b1'])
    expect(h.attempts()).toBe(2) // a1 and b1: a2 waits behind a1 without a try
  })

  it('tries one waiter at a time in sequential mode, and goes on when the answer comes', () => {
    const h = harness(8, true)
    const a1 = h.waiter('a1', 'a')
    const b1 = h.waiter('b1', 'b')
    h.queue.push(a1, 10)
    h.queue.push(b1, 10)
    vi.advanceTimersByTime(10)
    expect(h.takePending()).toEqual([a1])
    vi.advanceTimersByTime(1_000 - 10 - 1)
    expect(h.takePending()).toEqual([]) // nothing else is tried while a1's answer is out
    h.queue.settle(a1, 0)
    expect(h.log).toEqual(['admit a1'])
    vi.advanceTimersByTime(0)
    expect(h.takePending()).toEqual([b1])
    h.queue.settle(b1, 50)
    expect(h.queue.size).toBe(1)
  })

  it('drains every waiter in order at close', () => {
    const h = harness(8)
    const ws = ['a1', 'b1', 'a2'].map((name) => h.waiter(name, name[0]!))
    for (const w of ws) h.queue.push(w, 100)
    h.queue.remove(ws[1]!)
    const drained: string[] = []
    h.queue.drain((w) => drained.push(w.name))
    expect(drained).toEqual(['a1', 'a2'])
    expect(vi.getTimerCount()).toBe(0)
  })
})
