/**
 * A single-producer, single-consumer ring of fixed-size Int32 records in a SharedArrayBuffer,
 * for hand-off between threads (bench/queue/ring-queue.ts, bench/RESULTS.md: 10 us vs 20 us for postMessage on a 4 KB hand-off,
 * 3-4x the throughput; within one thread a plain JS ring is faster, so this is only for crossing
 * threads). HEAD and TAIL are free-running 32-bit counters: `(tail - head) | 0` is the size even
 * after they wrap. The producer never blocks: when the ring is full `claim()` returns -1 and the
 * record is counted as dropped, so a slow consumer can never stall the request path.
 *
 * One ring per producing thread: with two producers, make two rings.
 *
 * @example
 * const ring = RingQueue.create(1024, 4)       // 1024 records of 4 Int32s
 * const at = ring.claim()
 * if (at >= 0) { ring.data[at] = 7; ring.publish() }
 * // in a worker: const r = RingQueue.attach(buffer); const at = r.peek(); ... r.release()
 */
import { CAPACITY, CLOSED, DROPPED, HEAD, HEADER_INT32S, RECORD_INT32S, TAIL } from './layout.js'

// Node 20 has Atomics.waitAsync (V8), but its type is in lib ES2024, which would also admit
// ES2024 APIs Node 20 lacks (Map.groupBy); so it is typed here alone.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
      t: number,
    ): { async: boolean; value: Promise<string> | string }
  }
).waitAsync

export class RingQueue {
  /** The shared memory; send it to another thread and `attach()` there. */
  readonly buffer: SharedArrayBuffer
  /** The header slots (see layout.ts). */
  readonly header: Int32Array
  /** The records; a claimed or peeked record starts at the returned offset. */
  readonly data: Int32Array
  readonly capacity: number
  readonly recordInt32s: number
  readonly #mask: number

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer
    this.header = new Int32Array(buffer, 0, HEADER_INT32S)
    this.capacity = Atomics.load(this.header, CAPACITY)
    this.recordInt32s = Atomics.load(this.header, RECORD_INT32S)
    this.data = new Int32Array(buffer, HEADER_INT32S * 4, this.capacity * this.recordInt32s)
    this.#mask = this.capacity - 1
  }

  /** A new ring of `capacity` records (rounded up to a power of two) of `recordInt32s` Int32s each. */
  static create(capacity: number, recordInt32s: number): RingQueue {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 24) {
      throw new RangeError('capacity must be an integer from 1 to 2^24')
    }
    if (!Number.isInteger(recordInt32s) || recordInt32s < 1) throw new RangeError('recordInt32s must be >= 1')
    const slots = 2 ** Math.ceil(Math.log2(capacity))
    const buffer = new SharedArrayBuffer((HEADER_INT32S + slots * recordInt32s) * 4)
    const header = new Int32Array(buffer, 0, HEADER_INT32S)
    header[CAPACITY] = slots
    header[RECORD_INT32S] = recordInt32s
    return new RingQueue(buffer)
  }

  /** The same ring, seen from another thread. */
  static attach(buffer: SharedArrayBuffer): RingQueue {
    return new RingQueue(buffer)
  }

  /** Records waiting to be read. */
  size(): number {
    return (Atomics.load(this.header, TAIL) - Atomics.load(this.header, HEAD)) | 0
  }

  /** Records dropped because the ring was full. */
  dropped(): number {
    return Atomics.load(this.header, DROPPED)
  }

  get closed(): boolean {
    return Atomics.load(this.header, CLOSED) === 1
  }

  /**
   * Producer: the offset in `data` of the next free record, or -1 when the ring is full (counted
   * as dropped) or closed. Write the record, then call `publish()`.
   */
  claim(): number {
    const tail = Atomics.load(this.header, TAIL)
    if (((tail - Atomics.load(this.header, HEAD)) | 0) >= this.capacity || this.closed) {
      Atomics.add(this.header, DROPPED, 1)
      return -1
    }
    return (tail & this.#mask) * this.recordInt32s
  }

  /** Producer: makes the claimed record visible to the consumer and wakes it. */
  publish(): void {
    Atomics.add(this.header, TAIL, 1) // a seq-cst write: the record's plain writes are visible before it
    Atomics.notify(this.header, TAIL, 1)
  }

  /** Consumer: the offset of the oldest record, or -1 when empty. Read it, then call `release()`. */
  peek(): number {
    const head = Atomics.load(this.header, HEAD)
    if (head === Atomics.load(this.header, TAIL)) return -1
    return (head & this.#mask) * this.recordInt32s
  }

  /** Consumer: frees the record returned by `peek()`. */
  release(): void {
    Atomics.add(this.header, HEAD, 1)
  }

  /**
   * Consumer, off the main thread: blocks until a record is there, the ring is closed, or
   * `timeoutMs` passed. Returns true when a record is ready.
   */
  waitForRecord(timeoutMs: number): boolean {
    const head = Atomics.load(this.header, HEAD)
    const tail = Atomics.load(this.header, TAIL)
    if (head !== tail) return true
    if (this.closed) return false
    Atomics.wait(this.header, TAIL, tail, timeoutMs)
    return this.peek() !== -1
  }

  /** Consumer, on an event loop: resolves when a record is there, the ring is closed, or `timeoutMs` passed. */
  async waitForRecordAsync(timeoutMs: number): Promise<boolean> {
    const tail = Atomics.load(this.header, TAIL)
    if (Atomics.load(this.header, HEAD) !== tail) return true
    if (this.closed) return false
    const waiting = waitAsync(this.header, TAIL, tail, timeoutMs)
    if (waiting.async) await waiting.value
    return this.peek() !== -1
  }

  /** Either side: no more records; wakes a waiting consumer. */
  close(): void {
    Atomics.store(this.header, CLOSED, 1)
    Atomics.notify(this.header, TAIL)
  }
}
