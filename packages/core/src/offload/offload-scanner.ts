/**
 * Scans large bodies on a worker thread, so a 16 MB body does not stall every other request on the
 * event loop for the length of its scan (the Rust Velox gateway's spawn_blocking). On by default
 * from the size where bench/node/offload.ts finds the main-thread time saved at least equal to the
 * hand-off's cost (DEFAULTS.offload; docs/guide/performance.md has the numbers and the reasoning).
 *
 * The body is read in place: slabs at or above the threshold are SharedArrayBuffer memory (the
 * buffer pool makes them so), each slab is sent to the worker once, and a request record carries
 * (slab, offset, length) on a RingQueue. When the pool's slabs come from the arena (a shared
 * WebAssembly.Memory, ingress/wasm-arena.ts), the worker is given that memory once, with its own
 * offset window and scratch carved from it (arena-share.ts), and scans arena bodies with the SIMD
 * scanner, as the main thread does; other bodies, and runtimes without SIMD, get the JS scanner.
 * Results come back on a second ring, awaited with Atomics.waitAsync only while scans are in
 * flight. The worker starts on the first large body and stops with close(). If it dies, or the
 * ring is full, or it is closing, the scan runs inline: a request is never left waiting for a
 * worker that will not answer. A bundler that inlines @velox/core without
 * dist/offload/scan-worker.js leaves a worker that cannot load: that counts as a crash, and after
 * three the gateway scans inline (with a warning).
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { BufferPool } from '../ingress/buffer-pool.js'
import {
  decodeFields,
  type ExtractedFields,
  extractFields,
  JsonSyntaxError,
  SYNTAX_REASONS,
} from '../json/extract-fields.js'
import { lazyEntryUrl } from '../lazy-entry.js'
import { RingQueue } from '../queue/ring-queue.js'
import { type CarvedShare, carveShare } from './arena-share.js'
import {
  ARENA_SLAB,
  OFFLOAD_CAPACITY,
  REQ_LENGTH,
  REQ_OFFSET,
  REQ_SEQ,
  REQ_SLAB,
  REQUEST_INT32S,
  RES_ERROR_OFFSET,
  RES_REASON,
  RES_SEQ,
  RES_SIMD,
  RES_STATUS,
  RESULT_INT32S,
  STATUS_FAILED,
  STATUS_OK,
  STATUS_SYNTAX,
} from './layout.js'
import { readScanResult } from './scan-record.js'
import type { ScanWorkerData, SlabMessage } from './scan-worker.js'

export type ScanCallback = (err: JsonSyntaxError | null, fields: ExtractedFields | null) => void

export interface OffloadStats {
  /** Bodies at or above this many bytes are scanned on the worker. */
  thresholdBytes: number
  /** The worker thread is up. */
  running: boolean
  /** Bodies scanned on the worker. */
  offloaded: number
  /** Of those, the ones the worker scanned with the SIMD scanner (arena slabs, where WebAssembly SIMD runs). */
  simd: number
  /** Large bodies scanned inline instead (worker gone, ring full, closing). */
  inline: number
  /** Times the worker died without being asked to. */
  crashes: number
  /** Scans waiting for the worker now. */
  pending: number
}

/** After this many unexpected worker exits, large bodies are scanned inline for good. */
const MAX_CRASHES = 3

interface Pending {
  seq: number
  body: Buffer
  /** A shared copy of a body that was not in shared memory, returned to the pool after the scan. */
  copy: Buffer | null
  done: ScanCallback
}

/** One worker and its two rings; a new generation replaces a dead one. */
interface Generation {
  worker: Worker
  port: MessagePort
  requests: RingQueue
  results: RingQueue
  /** Slabs this worker knows, by their shared memory. */
  slabIds: WeakMap<SharedArrayBuffer, number>
  exited: boolean
}

export class OffloadScanner {
  readonly thresholdBytes: number
  readonly #pool: BufferPool
  readonly #onProblem: (code: string, message: string) => void
  readonly #workerUrl: URL | undefined
  #generation: Generation | null = null
  /** The arena share for the worker: carved on the first start, kept across generations; null when none. */
  #carved: CarvedShare | null | undefined = undefined
  #pending: Pending[] = []
  #seq = 0
  #nextSlabId = 1
  #draining = false
  #closed = false
  #offloaded = 0
  #simd = 0
  #inline = 0
  #crashes = 0

  /**
   * @param pool the gateway's pool; it must hand out shared slabs from `thresholdBytes` up
   * @param onProblem told when the worker dies or offload is given up (a warning code and message)
   * @param workerUrl the worker's script; by default the scan-worker file next to this module
   */
  constructor(
    pool: BufferPool,
    thresholdBytes: number,
    onProblem: (code: string, message: string) => void,
    workerUrl?: URL,
  ) {
    this.thresholdBytes = thresholdBytes
    this.#pool = pool
    this.#onProblem = onProblem
    this.#workerUrl = workerUrl
    pool.onDiscard = (slab) => this.#forget(slab)
  }

  /** True when `body` is worth a trip to the worker. */
  wants(body: Buffer): boolean {
    return body.length >= this.thresholdBytes && body.length <= 0x7fffffff && !this.#closed
  }

  /**
   * Scans `body` on the worker and calls `done` once, later, with the fields or the syntax error
   * the inline scanner would give. Falls back to an inline scan (calling `done` before returning)
   * whenever the worker cannot take it.
   *
   * @example
   * offload.scan(body, (err, fields) => (err ? reject400(err) : route(fields)))
   */
  scan(body: Buffer, done: ScanCallback): void {
    const gen = this.#closed || this.#crashes >= MAX_CRASHES ? null : this.#ensureWorker()
    if (gen === null || this.#pending.length >= OFFLOAD_CAPACITY) return this.#scanInline(body, done)
    let shared = body
    let copy: Buffer | null = null
    if (!(body.buffer instanceof SharedArrayBuffer)) {
      // A body that is not in a pooled shared slab (a framework's raw body): one memcpy, far
      // cheaper than the scan it moves off the loop.
      copy = this.#pool.acquire(body.length)
      if (!(copy.buffer instanceof SharedArrayBuffer)) {
        this.#pool.release(copy)
        return this.#scanInline(body, done)
      }
      body.copy(copy)
      shared = copy.subarray(0, body.length)
    }
    const at = gen.requests.claim()
    if (at === -1) {
      if (copy !== null) this.#pool.release(copy)
      return this.#scanInline(body, done)
    }
    const seq = this.#seq++ | 0
    const data = gen.requests.data
    data[at + REQ_SEQ] = seq
    const inArena = this.#carved?.arena.contains(shared) === true
    data[at + REQ_SLAB] = inArena ? ARENA_SLAB : this.#slabId(gen, shared.buffer as SharedArrayBuffer)
    data[at + REQ_OFFSET] = shared.byteOffset // an arena offset past 2 GiB wraps: the worker reads it unsigned
    data[at + REQ_LENGTH] = shared.length
    // Ref'd while it holds work: Atomics.waitAsync alone does not keep the process alive.
    if (this.#pending.length === 0) gen.worker.ref()
    this.#pending.push({ seq, body, copy, done })
    gen.requests.publish()
    if (!this.#draining) void this.#drain(gen)
  }

  /** The worker thread while it runs (for diagnostics, and for tests that stop it as a crash would). */
  get worker(): Worker | null {
    const gen = this.#generation
    return gen === null || gen.exited ? null : gen.worker
  }

  stats(): OffloadStats {
    return {
      thresholdBytes: this.thresholdBytes,
      running: this.#generation !== null && !this.#generation.exited,
      offloaded: this.#offloaded,
      simd: this.#simd,
      inline: this.#inline,
      crashes: this.#crashes,
      pending: this.#pending.length,
    }
  }

  /** Stops the worker; scans still waiting finish inline. Resolves when the thread has exited. */
  async close(): Promise<void> {
    this.#closed = true
    const gen = this.#generation
    if (gen !== null && !gen.exited) {
      gen.requests.close() // the worker finishes what it holds, then leaves its loop
      const exited = new Promise<void>((resolve) => gen.worker.once('exit', () => resolve()))
      const timer = setTimeout(() => void gen.worker.terminate(), 1_000)
      await exited
      clearTimeout(timer)
    }
    // No worker writes into its window and scratch any more: they go back to the arena.
    const carved = this.#carved
    this.#carved = null
    if (carved) for (const slab of carved.slabs) carved.arena.free(slab)
  }

  #scanInline(body: Buffer, done: ScanCallback): void {
    this.#inline++
    let fields: ExtractedFields
    try {
      fields = extractFields(body)
    } catch (err) {
      if (err instanceof JsonSyntaxError) return done(err, null)
      throw err
    }
    done(null, fields)
  }

  #ensureWorker(): Generation | null {
    const current = this.#generation
    if (current !== null && !current.exited) return current
    const requests = RingQueue.create(OFFLOAD_CAPACITY, REQUEST_INT32S)
    const results = RingQueue.create(OFFLOAD_CAPACITY, RESULT_INT32S)
    const { port1, port2 } = new MessageChannel()
    if (this.#carved === undefined) this.#carved = carveShare(this.#pool.arena)
    const data: ScanWorkerData = {
      requests: requests.buffer,
      results: results.buffer,
      port: port2,
      arena: this.#carved?.share ?? null,
    }
    let worker: Worker
    try {
      worker = startWorker(data, [port2], this.#workerUrl)
    } catch (err) {
      this.#crashes = MAX_CRASHES
      this.#onProblem(
        'VELOX_WARN_OFFLOAD_DISABLED',
        `velox: the offload worker could not start (${(err as Error).message}); large bodies are scanned inline`,
      )
      return null
    }
    worker.unref() // idle, it never keeps the process alive (an app may forget gateway.close())
    port1.unref()
    const gen: Generation = { worker, port: port1, requests, results, slabIds: new WeakMap(), exited: false }
    worker.on('error', (err) =>
      this.#onProblem('VELOX_WARN_OFFLOAD_WORKER_ERROR', `velox: the offload worker failed: ${err.message}`),
    )
    worker.on('exit', () => this.#onExit(gen))
    this.#generation = gen
    return gen
  }

  #slabId(gen: Generation, sab: SharedArrayBuffer): number {
    let id = gen.slabIds.get(sab)
    if (id === undefined) {
      id = this.#nextSlabId++
      gen.slabIds.set(sab, id)
      // Posted before the record that names it, so the worker always finds it (receiveMessageOnPort).
      gen.port.postMessage({ add: id, sab } satisfies SlabMessage)
    }
    return id
  }

  #forget(slab: Buffer): void {
    const gen = this.#generation
    if (gen === null || gen.exited || !(slab.buffer instanceof SharedArrayBuffer)) return
    const id = gen.slabIds.get(slab.buffer)
    if (id === undefined) return
    gen.slabIds.delete(slab.buffer)
    gen.port.postMessage({ forget: id } satisfies SlabMessage)
  }

  /** Reads results while scans are in flight; stops waiting as soon as none are. */
  async #drain(gen: Generation): Promise<void> {
    this.#draining = true
    try {
      while (this.#pending.length > 0 && this.#generation === gen && !gen.exited) {
        await gen.results.waitForRecordAsync(1_000)
        if (gen.exited) break
        for (let at = gen.results.peek(); at !== -1; at = gen.results.peek()) {
          this.#complete(gen.results.data, at)
          gen.results.release()
        }
      }
    } finally {
      this.#draining = false
    }
    // A scan queued for a newer worker while this loop was ending.
    const next = this.#generation
    if (this.#pending.length > 0 && next !== null && next !== gen && !next.exited) void this.#drain(next)
  }

  #complete(data: Int32Array, at: number): void {
    const pending = this.#pending.shift()
    if (this.#pending.length === 0) this.#generation?.worker.unref()
    if (pending === undefined || pending.seq !== data[at + RES_SEQ]) {
      // Never expected (one worker answers in order); finish whatever was waiting, inline.
      if (pending !== undefined) this.#finishInline(pending)
      return
    }
    if (pending.copy !== null) this.#pool.release(pending.copy)
    const status = data[at + RES_STATUS]
    if (status !== STATUS_FAILED && data[at + RES_SIMD] === 1) this.#simd++
    if (status === STATUS_OK) {
      this.#offloaded++
      const fields = decodeFields(pending.body, readScanResult(data, at))
      callBack(() => pending.done(null, fields))
    } else if (status === STATUS_SYNTAX) {
      this.#offloaded++
      const error = new JsonSyntaxError(SYNTAX_REASONS[data[at + RES_REASON]!]!, data[at + RES_ERROR_OFFSET]!)
      callBack(() => pending.done(error, null))
    } else {
      callBack(() => this.#scanInline(pending.body, pending.done))
    }
  }

  #finishInline(pending: Pending): void {
    if (pending.copy !== null) this.#pool.release(pending.copy)
    callBack(() => this.#scanInline(pending.body, pending.done))
  }

  #onExit(gen: Generation): void {
    gen.exited = true
    gen.port.close()
    gen.results.close() // wakes the drain loop waiting on this generation, so it hands over at once
    if (!this.#closed) {
      this.#crashes++
      if (this.#crashes >= MAX_CRASHES) {
        this.#onProblem(
          'VELOX_WARN_OFFLOAD_DISABLED',
          `velox: the offload worker stopped ${this.#crashes} times; large bodies are scanned inline from now on`,
        )
      } else {
        this.#onProblem(
          'VELOX_WARN_OFFLOAD_WORKER_EXIT',
          'velox: the offload worker stopped unexpectedly; it restarts on the next large body',
        )
      }
    }
    // Everything still waiting is scanned here, now: nothing waits for a worker that is gone.
    const waiting = this.#pending
    this.#pending = []
    for (const pending of waiting) this.#finishInline(pending)
  }
}

/**
 * Runs a request's continuation from the drain loop. A throw there is the request path's bug, not
 * the loop's: it is rethrown on its own tick (as from any event callback), and the loop goes on.
 */
function callBack(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    process.nextTick(() => {
      throw err
    })
  }
}

/**
 * Starts the worker: dist/offload/scan-worker.js (or .cjs) beside the bundle (lazy-entry.ts). When
 * @velox/core runs from its TypeScript sources (its tests, tsx), the worker is TypeScript too, so
 * it registers tsx (a devDependency of @velox/core) first; a published package never does.
 */
function startWorker(workerData: ScanWorkerData, transferList: MessagePort[], url?: URL): Worker {
  const entry = url ?? lazyEntryUrl('offload/scan-worker')
  const options = { workerData, transferList, name: 'velox-offload' }
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options)
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs')
  const bootstrap = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(fileURLToPath(entry))})`
  return new Worker(bootstrap, { ...options, eval: true })
}
