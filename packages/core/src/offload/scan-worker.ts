/**
 * The offload worker: scans large request bodies off the main thread (the Rust Velox gateway's spawn_blocking
 * for bodies over 1 MB). It blocks in Atomics.wait on the request ring, reads each body in place
 * from a shared slab (no copy), runs the same scanner as the main thread, and writes the offsets
 * and numbers into the result ring; the main thread decodes the strings itself. Slabs arrive once
 * each over a MessagePort (`{ add, sab }`, `{ forget }`), read with receiveMessageOnPort so the
 * worker never needs its event loop. Closing the request ring ends it.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { JsonSyntaxError, ScanResult, SYNTAX_REASONS, scanFields } from '../json/extract-fields.js'
import { RingQueue } from '../queue/ring-queue.js'
import {
  REQ_LENGTH,
  REQ_OFFSET,
  REQ_SEQ,
  REQ_SLAB,
  RES_ERROR_OFFSET,
  RES_REASON,
  RES_SEQ,
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
}

export type SlabMessage = { add: number; sab: SharedArrayBuffer } | { forget: number }

const { requests: requestBuffer, results: resultBuffer, port } = workerData as ScanWorkerData
const requests = RingQueue.attach(requestBuffer)
const results = RingQueue.attach(resultBuffer)
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

function answer(at: number): void {
  const req = requests.data
  const seq = req[at + REQ_SEQ]!
  const sab = slabs.get(req[at + REQ_SLAB]!)
  const out = results.claim()
  // The main thread keeps at most `capacity` scans in flight, so there is always room.
  if (out === -1) throw new Error('velox scan worker: the result ring is full')
  const res = results.data
  res[out + RES_SEQ] = seq
  if (sab === undefined) {
    res[out + RES_STATUS] = STATUS_FAILED
  } else {
    try {
      scanFields(Buffer.from(sab, req[at + REQ_OFFSET]!, req[at + REQ_LENGTH]!), scan)
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
