/**
 * The offload worker: scans large request bodies off the main thread (the Rust Velox gateway's spawn_blocking
 * for bodies over 1 MB). It blocks in Atomics.wait on the request ring, reads each body in place
 * from shared memory (no copy), runs the main thread's scanners, and writes the offsets and numbers
 * into the result ring; the main thread decodes the strings itself. A body in the buffer pool's
 * arena (a shared WebAssembly.Memory, given once in workerData) is scanned with the SIMD scanner
 * over that memory (arena-share.ts); a body in any other shared slab, or any body where stage 1
 * cannot run here, with the JS scanner. Those other slabs arrive once each over a MessagePort
 * (`{ add, sab }`, `{ forget }`), read with receiveMessageOnPort so the worker never needs its
 * event loop. Closing the request ring ends it.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { JsonSyntaxError, ScanResult, SYNTAX_REASONS, scanFields } from '../json/extract-fields.js'
import { RingQueue } from '../queue/ring-queue.js'
import { type ArenaShare, ArenaView } from './arena-share.js'
import {
  ARENA_SLAB,
  REQ_LENGTH,
  REQ_OFFSET,
  REQ_SEQ,
  REQ_SLAB,
  RES_ERROR_OFFSET,
  RES_REASON,
  RES_SEQ,
  RES_SIMD,
  RES_STATUS,
  STATUS_FAILED,
  STATUS_OK,
  STATUS_SYNTAX,
} from './layout.js'
import { writeScanResult } from './scan-record.js'

export interface ScanWorkerData {
  requests: SharedArrayBuffer
  results: SharedArrayBuffer
  port: MessagePort
  /** The pool's arena, when the worker can run the SIMD scanner on it; null otherwise. */
  arena: ArenaShare | null
}

export type SlabMessage = { add: number; sab: SharedArrayBuffer } | { forget: number }

const { requests: requestBuffer, results: resultBuffer, port, arena: share } = workerData as ScanWorkerData
const requests = RingQueue.attach(requestBuffer)
const results = RingQueue.attach(resultBuffer)
const arena = share === null ? null : new ArenaView(share)
const slabs = new Map<number, SharedArrayBuffer>()
const scan = new ScanResult()

/** Takes in every slab message posted so far (they were posted before the records that use them). */
function readSlabMessages(): void {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const message = m.message as SlabMessage
    if ('add' in message) slabs.set(message.add, message.sab)
    else slabs.delete(message.forget)
  }
}

/** The body a request names, in place; undefined for a slab this worker does not know. */
function bodyOf(req: Int32Array, at: number): Buffer | undefined {
  const slab = req[at + REQ_SLAB]!
  const length = req[at + REQ_LENGTH]!
  if (slab === ARENA_SLAB) return arena?.body(req[at + REQ_OFFSET]! >>> 0, length)
  const sab = slabs.get(slab)
  return sab === undefined ? undefined : Buffer.from(sab, req[at + REQ_OFFSET]!, length)
}

/**
 * Scans `body` into `scan` and says in RES_SIMD which scanner did it (set before the scan: a syntax
 * error thrown by the SIMD scanner is its answer too). Throws what the scanners throw.
 */
function scanInto(res: Int32Array, out: number, body: Buffer, inArena: boolean): void {
  const simd = inArena ? arena?.simd : undefined
  res[out + RES_SIMD] = simd === undefined ? 0 : 1
  if (simd?.scan(body, scan)) return
  res[out + RES_SIMD] = 0
  scanFields(body, scan)
}

function answer(at: number): void {
  const req = requests.data
  const seq = req[at + REQ_SEQ]!
  const body = bodyOf(req, at)
  const out = results.claim()
  // The main thread keeps at most `capacity` scans in flight, so there is always room.
  if (out === -1) throw new Error('velox scan worker: the result ring is full')
  const res = results.data
  res[out + RES_SEQ] = seq
  if (body === undefined) {
    res[out + RES_STATUS] = STATUS_FAILED
  } else {
    try {
      scanInto(res, out, body, req[at + REQ_SLAB] === ARENA_SLAB)
      res[out + RES_STATUS] = STATUS_OK
      writeScanResult(res, out, scan)
    } catch (err) {
      if (err instanceof JsonSyntaxError) {
        res[out + RES_STATUS] = STATUS_SYNTAX
        res[out + RES_REASON] = SYNTAX_REASONS.indexOf(err.reason)
        res[out + RES_ERROR_OFFSET] = err.offset
      } else {
        res[out + RES_STATUS] = STATUS_FAILED
      }
    }
  }
  results.publish()
}

for (;;) {
  if (!requests.waitForRecord(1_000)) {
    if (requests.closed) break
    readSlabMessages() // let forgotten slabs go even when idle
    continue
  }
  readSlabMessages()
  for (let at = requests.peek(); at !== -1; at = requests.peek()) {
    answer(at)
    requests.release()
  }
}
port.close()
