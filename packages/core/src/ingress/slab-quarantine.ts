/**
 * Quarantine for arena slabs that a socket may still be writing from. After a non-2xx answer the
 * release stage cannot tell whether the upstream read the whole body: it may have answered first,
 * with the tail still queued on a kept-alive socket (stages/90-release.ts). An ordinary slab is
 * then just forgotten: the GC frees it once no pending write holds it. An arena slab cannot be left
 * to the GC: its bytes belong to the arena's WebAssembly memory, which never shrinks, so forgetting
 * it loses it for good. It waits here instead, until the body view that was sent (the Buffer that
 * egress handed to undici) has been collected; then nothing can write from it, and it goes back to
 * the arena.
 *
 * Why the view's collection proves that no write still reads the slab (read in Node 20.20.2,
 * 22.23.3, 24.21.0 through `process.binding('natives')`, and undici 7.30.2):
 * - undici keeps a Buffer body as the same object (lib/core/request.js: `this.body = body.byteLength
 *   ? body : null`) and writes that object: HTTP/1.1 `socket.write(body)` between cork and uncork
 *   (lib/dispatcher/client-h1.js writeBuffer), HTTP/2 `h2stream.write(body)` (client-h2.js writeBuffer).
 * - Node holds that object until the write is done: the Writable's buffer list until `_write` or
 *   `_writev`, net.Socket's `_pendingData` while it connects, then the write request itself
 *   (lib/internal/stream_base_commons.js): `req.buffer = data` when a write goes async
 *   (handleWriteReq), `req._chunks = chunks` for a writev (writevGeneric, the path of a corked header
 *   plus body). net.Socket (TLSSocket too) and Http2Stream write through these two functions. The
 *   native side keeps the request object alive until the write completes: not read in C++ here, but
 *   shown on all three lines by the pending-write test in test/egress/slab-quarantine.test.ts.
 * A spliced or translated body is a new Buffer in ordinary memory: only the view over the slab matters.
 *
 * The slab comes back at the first GC that finds the view unreachable, not when the write ends: a
 * view is a small object, and the arena's memory puts no pressure on V8. On Node 20 and 22 a burst
 * of early answers can fill the arena before such a GC runs (new bodies then use ordinary memory,
 * as when the arena is full for any reason); the slabs come back at the next full collection.
 */

export class SlabQuarantine {
  readonly #registry: FinalizationRegistry<Buffer>
  #held = 0

  /** @param giveBack called with each slab once the view it was registered with is collected */
  constructor(giveBack: (slab: Buffer) => void) {
    // The held value is the slab, a different object from the view: holding it keeps the view collectable.
    this.#registry = new FinalizationRegistry((slab: Buffer) => {
      this.#held--
      giveBack(slab)
    })
  }

  /**
   * Keeps `slab` out of use until `sent`, a view over it that was written to a socket, is collected.
   *
   * @example
   * const quarantine = new SlabQuarantine((slab) => arena.free(slab))
   * quarantine.hold(slab, body) // body = slab.subarray(0, length), as sent upstream
   */
  hold(slab: Buffer, sent: Uint8Array): void {
    this.#held++
    this.#registry.register(sent, slab)
  }

  /** Slabs waiting now for their view to be collected. */
  get held(): number {
    return this.#held
  }
}

/**
 * True when `sent` is a view inside `slab` other than the slab object itself: the one kind of object
 * `hold` can wait for (the slab is the held value, and a held value that is its own target is never
 * collected).
 */
export function canHold(slab: Buffer, sent: Uint8Array): boolean {
  return (
    sent !== slab &&
    sent.buffer === slab.buffer &&
    sent.byteOffset >= slab.byteOffset &&
    sent.byteOffset + sent.byteLength <= slab.byteOffset + slab.byteLength
  )
}
