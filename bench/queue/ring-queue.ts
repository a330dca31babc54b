/**
 * The SharedArrayBuffer RingQueue (the Rust Velox gateway's crossbeam channel, in Node) against the plain ways:
 * - within one thread, 1,000 records of 4 Int32s in then out, against a JS array (push/shift) and
 *   a preallocated JS ring: the SAB ring pays for its Atomics and is expected to lose here;
 * - across threads, 100,000 records from the main thread to a worker, against one postMessage per
 *   record (the median of 5 trials; the worker checks it got every record, in order).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { RingQueue } from '@velox/core/internal'
import { type GroupResult, keep, median, report, runGroup, withRatios } from '../lib/suite.js'

const RECORD = 4
const BATCH = 1_000

/** A preallocated single-thread ring of Int32 records: what an in-thread queue should be. */
class JsRing {
  readonly data: Int32Array
  readonly mask: number
  head = 0
  tail = 0
  constructor(capacity: number) {
    this.data = new Int32Array(capacity * RECORD)
    this.mask = capacity - 1
  }
  push(a: number, b: number, c: number, d: number): boolean {
    if (this.tail - this.head > this.mask) return false
    const at = (this.tail++ & this.mask) * RECORD
    this.data[at] = a
    this.data[at + 1] = b
    this.data[at + 2] = c
    this.data[at + 3] = d
    return true
  }
  shift(): number {
    if (this.head === this.tail) return -1
    return (this.head++ & this.mask) * RECORD
  }
}

function inThread(depth: number): GroupResult {
  const array: number[][] = []
  const js = new JsRing(depth)
  const sab = RingQueue.create(depth, RECORD)
  return runGroup(
    `queue in one thread, depth ${depth.toLocaleString('en-US')}, ${BATCH.toLocaleString('en-US')} send+recv`,
    {
      'JS array push/shift (baseline)': () => {
        for (let i = 0; i < BATCH; i++) array.push([i, 1, 2, 3])
        let sum = 0
        for (let r = array.shift(); r !== undefined; r = array.shift()) sum += r[0]!
        keep(sum)
      },
      'preallocated JS ring': () => {
        for (let i = 0; i < BATCH; i++) js.push(i, 1, 2, 3)
        let sum = 0
        for (let at = js.shift(); at !== -1; at = js.shift()) sum += js.data[at]!
        keep(sum)
      },
      'SAB RingQueue (Atomics)': () => {
        for (let i = 0; i < BATCH; i++) {
          const at = sab.claim()
          sab.data[at] = i
          sab.data[at + 1] = 1
          sab.data[at + 2] = 2
          sab.data[at + 3] = 3
          sab.publish()
        }
        let sum = 0
        for (let at = sab.peek(); at !== -1; at = sab.peek()) {
          sum += sab.data[at]!
          sab.release()
        }
        keep(sum)
      },
    },
  )
}

const RECORDS = 100_000
const TRIALS = 5

// The consumers run in plain JS workers on the built @velox/core (`pnpm bench` builds first): the
// bench itself runs under tsx, which maps @velox/core to its TypeScript sources.
const CORE = JSON.stringify(
  join(dirname(createRequire(import.meta.url).resolve('@velox/core/package.json')), 'dist', 'internal.cjs'),
)
const RING_CONSUMER = `
const { parentPort, workerData } = require('node:worker_threads')
const { RingQueue } = require(${CORE})
const ring = RingQueue.attach(workerData.buffer)
const total = workerData.records
let expected = 0
parentPort.postMessage('ready')
for (;;) {
  if (!ring.waitForRecord(1000)) { if (ring.closed) break; continue }
  for (let at = ring.peek(); at !== -1; at = ring.peek()) {
    if (ring.data[at] !== expected) throw new Error('out of order at ' + expected)
    expected++
    ring.release()
  }
  if (expected === total) { parentPort.postMessage(expected); expected = 0 }
}
`
const MESSAGE_CONSUMER = `
const { parentPort, workerData } = require('node:worker_threads')
let expected = 0
parentPort.postMessage('ready')
parentPort.on('message', (r) => {
  if (r.a !== expected) throw new Error('out of order at ' + expected)
  if (++expected === workerData.records) { parentPort.postMessage(expected); expected = 0 }
})
`

function once(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
}

async function trials(run: () => Promise<void>): Promise<number[]> {
  await run() // warm-up
  const seconds: number[] = []
  for (let t = 0; t < TRIALS; t++) {
    const start = process.hrtime.bigint()
    await run()
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9)
  }
  return seconds
}

/** A consumer worker, once it is ready to receive (the producer may spin: it must not start first). */
async function consumer(source: string, workerData: object): Promise<Worker> {
  // execArgv: [] keeps tsx (which runs this file) out of the plain-JS worker.
  const worker = new Worker(source, { eval: true, workerData, execArgv: [] })
  await once(worker)
  return worker
}

async function acrossThreads(): Promise<GroupResult> {
  const messages = await consumer(MESSAGE_CONSUMER, { records: RECORDS })
  const byMessage = await trials(async () => {
    const done = once(messages)
    for (let i = 0; i < RECORDS; i++) messages.postMessage({ a: i, b: 1, c: 2, d: 3 })
    await done
  })
  await messages.terminate()

  const ring = RingQueue.create(16_384, RECORD)
  const reader = await consumer(RING_CONSUMER, { buffer: ring.buffer, records: RECORDS })
  const byRing = await trials(async () => {
    const done = once(reader)
    for (let i = 0; i < RECORDS; i++) {
      let at = ring.claim()
      while (at === -1) at = ring.claim() // full: the consumer is a core away, spin until it frees a slot
      ring.data[at] = i
      ring.data[at + 1] = 1
      ring.data[at + 2] = 2
      ring.data[at + 3] = 3
      ring.publish()
    }
    await done
  })
  ring.close()
  await reader.terminate()

  const rate = (s: number[]) => ({ opsPerSec: RECORDS / median(s), rme: 0 })
  return report({
    title: `queue across threads, ${RECORDS.toLocaleString('en-US')} records of 4 Int32s to a worker`,
    note: `ops/s = records per second, from the median of ${TRIALS} trials (rme not computed). "dropped" claims while full are retried, not lost.`,
    cases: withRatios([
      { name: 'postMessage per record (baseline)', ...rate(byMessage) },
      { name: 'SAB RingQueue', ...rate(byRing) },
    ]),
  })
}

export async function benchRingQueue(): Promise<GroupResult[]> {
  return [inThread(1_024), inThread(16_384), await acrossThreads()]
}
