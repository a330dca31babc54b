import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { HEAD, TAIL } from '../src/queue/layout.js'
import { RingQueue } from '../src/queue/ring-queue.js'

describe('RingQueue', () => {
  it('rounds capacity up to a power of two and hands records out in order', () => {
    const ring = RingQueue.create(3, 2)
    expect(ring.capacity).toBe(4)
    for (let i = 0; i < 4; i++) {
      const at = ring.claim()
      ring.data[at] = i
      ring.data[at + 1] = i * 10
      ring.publish()
    }
    expect(ring.claim()).toBe(-1)
    expect(ring.dropped()).toBe(1)
    const seen: number[][] = []
    for (let at = ring.peek(); at !== -1; at = ring.peek()) {
      seen.push([ring.data[at]!, ring.data[at + 1]!])
      ring.release()
    }
    expect(seen).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 30],
    ])
    expect(ring.size()).toBe(0)
  })

  it('keeps working when the 32-bit counters wrap', () => {
    const ring = RingQueue.create(4, 1)
    ring.header[HEAD] = 2 ** 31 - 2
    ring.header[TAIL] = 2 ** 31 - 2
    const out: number[] = []
    for (let i = 0; i < 10; i++) {
      const at = ring.claim()
      expect(at).not.toBe(-1)
      ring.data[at] = i
      ring.publish()
      out.push(ring.data[ring.peek()]!)
      ring.release()
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(ring.header[TAIL]).toBeLessThan(0) // wrapped
    expect(ring.size()).toBe(0)
  })

  it('carries 100,000 records to a worker thread without loss or reordering', async () => {
    const ring = RingQueue.create(256, 2)
    const worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads')
      const header = new Int32Array(workerData, 0, 16)
      const capacity = header[2], size = header[3]
      const data = new Int32Array(workerData, 64, capacity * size)
      let expected = 0, sum = 0, bad = 0
      for (;;) {
        const head = Atomics.load(header, 0)
        if (head === Atomics.load(header, 1)) {
          if (Atomics.load(header, 4) === 1) break
          Atomics.wait(header, 1, Atomics.load(header, 1), 50)
          continue
        }
        const at = (head & (capacity - 1)) * size
        if (data[at] !== expected || data[at + 1] !== expected * 2) bad++
        expected++
        sum += data[at]
        Atomics.add(header, 0, 1)
      }
      parentPort.postMessage({ count: expected, bad })
      `,
      { eval: true, workerData: ring.buffer },
    )
    const result = new Promise<{ count: number; bad: number }>((resolve) => worker.once('message', resolve))
    let sent = 0
    while (sent < 100_000) {
      const at = ring.claim()
      if (at === -1) {
        await new Promise((r) => setImmediate(r)) // full: let the worker catch up
        continue
      }
      ring.data[at] = sent
      ring.data[at + 1] = sent * 2
      ring.publish()
      sent++
    }
    while (ring.size() > 0) await new Promise((r) => setImmediate(r))
    ring.close()
    expect(await result).toEqual({ count: 100_000, bad: 0 })
    await worker.terminate()
  })

  it('wakes an async waiter when a record arrives and when the ring closes', async () => {
    const ring = RingQueue.create(4, 1)
    const waiting = ring.waitForRecordAsync(10_000)
    ring.data[ring.claim()] = 42
    ring.publish()
    expect(await waiting).toBe(true)
    ring.release()
    const closing = ring.waitForRecordAsync(10_000)
    ring.close()
    expect(await closing).toBe(false)
  })
})
