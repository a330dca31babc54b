/**
 * The SIMD field scanner: stage 1 in WebAssembly (assembly/stage1.ts) lists the byte offsets of
 * every token outside strings and of every unescaped quote; this walker runs the JS scanner's
 * state machine (../extract-fields.ts) over those offsets, so it never looks at a string's bytes
 * except for the few keys and values it reads. Same results, same errors at the same byte offsets:
 * last duplicate wins, escapes decoded by the same helpers, the model token's offsets for
 * splicing, nesting on an explicit stack (100,000 levels, no recursion).
 *
 * Why the offsets are enough: outside strings, a byte that is not whitespace and is not in the
 * list can only be the continuation of a scalar (the `x` in `truex`, the `1` in `01`), and there
 * the JS scanner would stop with an error; the walker checks that one byte after each scalar.
 * Escapes are validated in stage 1 (the first bad one is reported), so a string is valid unless
 * that escape lies inside it.
 *
 * The body is scanned where it lies when it is in the arena (a pooled slab); any other body is
 * copied into an arena scratch slab first (the size threshold in choose-scanner.ts says when that
 * pays). Offsets come back through a fixed window of WINDOW entries, refilled as the walk goes,
 * so the index memory does not grow with the body.
 */
import type { WasmArena } from '../../ingress/wasm-arena.js'
import * as js from '../extract-fields.js'
import { JsonSyntaxError, ScanResult, scanFields } from '../extract-fields.js'
import { instantiateStage1, type Stage1 } from './stage1-module.js'

// Read once into module constants: an imported binding can be a getter per access in some loaders
// (tsx, vitest), which costs more than the walk itself.
const AFTER_VALUE = js.AFTER_VALUE
const ARRAY = js.ARRAY
const ARRAY_START = js.ARRAY_START
const COLON = js.COLON
const FIRST_KEY = js.FIRST_KEY
const K_INCLUDE_USAGE = js.K_INCLUDE_USAGE
const K_MODEL = js.K_MODEL
const K_NONE = js.K_NONE
const K_STREAM_OPTIONS = js.K_STREAM_OPTIONS
const K_USER = js.K_USER
const KEY = js.KEY
const OBJECT = js.OBJECT
const QUOTE = js.QUOTE
const VALUE = js.VALUE
const clearField = js.clearField
const isIncludeUsage = js.isIncludeUsage
const isWhitespace = js.isWhitespace
const readScalar = js.readScalar
const topKeyId = js.topKeyId
const wrongType = js.wrongType

/** Offsets per refill: 64 Ki entries (256 KiB), so one call covers at least 64 KiB of body. */
const WINDOW = 64 * 1024
/** Bytes of memory the offset window takes, and of the stage-1 scratch: what a scanner needs carved for it. */
export const WINDOW_BYTES = WINDOW * 4
export const SCRATCH_BYTES = 64
const BACKSLASH = 0x5c

function hasBackslash(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === BACKSLASH) return true
  return false
}

/**
 * A string with no closing quote. Which error the JS scanner gives depends on where its memchr
 * jumps land (past its first 32 bytes it looks for a quote before checking escapes), so its
 * verdict is taken here, on this rare error path, to keep the two scanners' errors identical.
 */
function unterminated(buf: Buffer, open: number): never {
  scanFields(buf, new ScanResult())
  throw new JsonSyntaxError('Unterminated string', open)
}

/**
 * What the scanner needs of the memory it scans: whether a body lies in it, and room to copy one
 * in. A WasmArena; or, in the offload worker, a view of the main thread's arena that only scans in
 * place (its allocate gives nothing).
 */
export type ScanArena = Pick<WasmArena, 'allocate' | 'free' | 'contains'>

export class SimdScanner {
  readonly arena: ScanArena
  readonly #wasm: Stage1
  readonly #window: Uint32Array
  readonly #windowAt: number
  readonly #scratchAt: number
  /** Arena slab that bodies from outside the arena are copied into (grown on demand). */
  #inbox: Buffer | undefined
  /** The nesting stack, kept between scans (a scan writes each level before reading it). */
  #stack = new Uint8Array(64)

  /**
   * A scanner with its own stage-1 instance over the memory `arena` describes, and its own offset
   * window (WINDOW_BYTES) and scratch (SCRATCH_BYTES) in that memory: stage 1 keeps its state in
   * the instance and writes into both, so two threads never share them. create() carves them.
   */
  constructor(arena: ScanArena, wasm: Stage1, window: Buffer, scratch: Buffer) {
    this.arena = arena
    this.#wasm = wasm
    this.#windowAt = window.byteOffset
    this.#window = new Uint32Array(window.buffer, window.byteOffset, WINDOW)
    this.#scratchAt = scratch.byteOffset
    this.#inbox = undefined
  }

  /**
   * A scanner over `arena`'s memory, or undefined where WebAssembly SIMD128 is missing, the module
   * is not built, or the arena has no room for the offset window.
   *
   * @example
   * const simd = SimdScanner.create(new WasmArena())
   * if (simd) simd.scan(Buffer.from('{"model":"m"}'), new ScanResult())
   */
  static create(arena: WasmArena): SimdScanner | undefined {
    const wasm = instantiateStage1(arena.memory)
    if (wasm === null) return undefined
    const window = arena.allocate(WINDOW_BYTES)
    const scratch = arena.allocate(SCRATCH_BYTES)
    if (window === undefined || scratch === undefined) return undefined
    return new SimdScanner(arena, wasm, window, scratch)
  }

  /** Where `buf` is in the memory: in place for an arena slab, else a copy in the inbox (undefined: no room). */
  #place(buf: Buffer): number | undefined {
    if (this.arena.contains(buf)) return buf.byteOffset
    let inbox = this.#inbox
    if (inbox === undefined || inbox.length < buf.length) {
      if (inbox !== undefined) this.arena.free(inbox)
      inbox = this.arena.allocate(Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(buf.length))))
      this.#inbox = inbox
      if (inbox === undefined) return undefined
    }
    buf.copy(inbox, 0, 0, buf.length)
    return inbox.byteOffset
  }

  /**
   * Same contract as scanFields() in ../extract-fields.ts: fills `out`, or throws JsonSyntaxError
   * with the byte offset. Returns false (and leaves `out` alone) only when the body is outside the
   * arena and the arena has no room for a copy: the caller then uses the JS scanner.
   */
  scan(buf: Buffer, out: ScanResult): boolean {
    const at = this.#place(buf)
    if (at === undefined) return false
    const wasm = this.#wasm
    const idx = this.#window
    wasm.begin(at, buf.length, this.#scratchAt)
    // The first bad escape stage 1 has met (-1: none yet), read once per refill, not per string:
    // stage 1 scans in order, so for every string closed inside the window it is already final.
    let bad = -1
    let n = 0 // offsets in the window
    let k = 0 // next offset to read
    let finished = false

    out.reset()
    const end = buf.length
    let stack = this.#stack
    let depth = 0
    let state = VALUE
    let key = K_NONE
    let streamOptionsDepth = -1
    let pos = 0

    for (;;) {
      if (k === n && !finished) {
        n = wasm.next(this.#windowAt, WINDOW)
        k = 0
        finished = wasm.done() !== 0
        bad = wasm.badEscapeAt()
      }
      // The next token: the listed offset, unless the byte at pos is an unlisted non-space (the
      // tail of a bad scalar, which the JS scanner would stop at).
      let t = end
      if (k < n) {
        t = idx[k]!
        if (t !== pos && pos < end && !isWhitespace(buf[pos]!)) t = pos
        else k++
      } else if (pos < end && !isWhitespace(buf[pos]!)) {
        t = pos
      }
      pos = t
      if (pos >= end) {
        if (state === AFTER_VALUE && depth === 0) break
        throw new JsonSyntaxError('Unexpected end of JSON', pos)
      }
      const c = buf[pos]!

      if (state === AFTER_VALUE) {
        if (depth === 0) throw new JsonSyntaxError('Unexpected data after the JSON value', pos)
        const top = stack[depth - 1]
        if (c === 0x2c) {
          state = top === OBJECT ? KEY : VALUE
        } else if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
          if (depth === streamOptionsDepth) streamOptionsDepth = -1
          depth--
        } else {
          throw new JsonSyntaxError('Expected , or a closing bracket', pos)
        }
        pos++
        continue
      }

      if (state === COLON) {
        if (c !== 0x3a) throw new JsonSyntaxError('Expected :', pos)
        state = VALUE
        pos++
        continue
      }

      if (state === FIRST_KEY && c === 0x7d) {
        if (depth === streamOptionsDepth) streamOptionsDepth = -1
        depth--
        state = AFTER_VALUE
        pos++
        continue
      }

      let close = -1
      if (c === QUOTE) {
        // The closing quote is the next offset: nothing inside a string is listed.
        if (k === n && !finished) {
          n = wasm.next(this.#windowAt, WINDOW)
          k = 0
          finished = wasm.done() !== 0
          bad = wasm.badEscapeAt()
        }
        if (k < n) close = idx[k++]!
        if (close === -1) unterminated(buf, pos)
        if (bad > pos && bad < close) throw this.#badEscape(bad)
      }

      if (state === FIRST_KEY || state === KEY) {
        if (c !== QUOTE) throw new JsonSyntaxError('Expected a string key', pos)
        if (depth === 1) key = topKeyId(buf, pos, close, hasBackslash(buf, pos + 1, close))
        else if (
          depth === streamOptionsDepth &&
          isIncludeUsage(buf, pos, close, hasBackslash(buf, pos + 1, close))
        )
          key = K_INCLUDE_USAGE
        else key = K_NONE
        pos = close + 1
        state = COLON
        continue
      }

      if (state === ARRAY_START && c === 0x5d) {
        depth--
        state = AFTER_VALUE
        pos++
        continue
      }

      // state is VALUE or ARRAY_START: a value starts here.
      const field = key
      key = K_NONE
      if (c === 0x7b || c === 0x5b) {
        if (depth === stack.length) {
          const bigger = new Uint8Array(stack.length * 2)
          bigger.set(stack)
          stack = bigger
          if (stack.length <= 4096) this.#stack = stack // deeper ones are not kept
        }
        stack[depth++] = c === 0x7b ? OBJECT : ARRAY
        state = c === 0x7b ? FIRST_KEY : ARRAY_START
        if (depth === 1 && c === 0x7b) out.isObject = true
        if (field === K_STREAM_OPTIONS && c === 0x7b) {
          streamOptionsDepth = depth
          clearField(out, K_STREAM_OPTIONS)
          out.invalid &= ~(1 << K_STREAM_OPTIONS)
        } else if (field !== K_NONE) {
          wrongType(out, field)
        }
        pos++
        continue
      }

      state = AFTER_VALUE
      if (c === QUOTE) {
        if (field === K_MODEL) {
          out.modelStart = pos
          out.modelEnd = close + 1
          out.modelEscaped = hasBackslash(buf, pos + 1, close)
          out.invalid &= ~(1 << K_MODEL)
        } else if (field === K_USER) {
          out.userStart = pos
          out.userEnd = close + 1
          out.userEscaped = hasBackslash(buf, pos + 1, close)
          out.invalid &= ~(1 << K_USER)
        } else if (field !== K_NONE) {
          wrongType(out, field)
        }
        pos = close + 1
      } else {
        pos = readScalar(buf, pos, field, out)
      }
    }
    return true
  }

  #badEscape(at: number): JsonSyntaxError {
    return new JsonSyntaxError(this.#wasm.badEscapeKind() === 2 ? 'Bad unicode escape' : 'Bad escape', at)
  }
}
