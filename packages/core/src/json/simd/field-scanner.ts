/**
 * One entry for the field scan that picks the scanner per body: the SIMD scanner (walk-fields.ts)
 * from SIMD_MIN_BYTES up, the JS scanner (../extract-fields.ts) below it and wherever WebAssembly
 * SIMD128 or shared memory is missing. The threshold is measured, not guessed: bench/json/
 * extract-fields.ts ("threshold" table) times both scanners on small chat bodies in one run. The
 * SIMD scanner's fixed cost (two WebAssembly calls, and a copy into the arena for a body that is
 * not in a pooled slab) is about half a microsecond on our machines: the JS scanner wins on bodies
 * of a few hundred bytes and loses from about 512 on. Both give the same fields and errors.
 */
import { WasmArena } from '../../ingress/wasm-arena.js'
import { decodeFields, type ExtractedFields, ScanResult, scanFields } from '../extract-fields.js'
import { SimdScanner } from './walk-fields.js'

/** Bodies of this many bytes and more go to the SIMD scanner. */
export const SIMD_MIN_BYTES = 512

export class FieldScanner {
  /** Undefined where WebAssembly SIMD is missing: every body then goes to the JS scanner. */
  readonly simd: SimdScanner | undefined
  readonly minBytes: number
  readonly #scratch = new ScanResult()

  constructor(simd: SimdScanner | undefined, minBytes = SIMD_MIN_BYTES) {
    this.simd = simd
    this.minBytes = minBytes
  }

  /** Fills `out` with the fields of `buf`, or throws JsonSyntaxError with the byte offset. */
  scan(buf: Buffer, out: ScanResult): void {
    if (this.simd !== undefined && buf.length >= this.minBytes && this.simd.scan(buf, out)) return
    scanFields(buf, out)
  }

  /**
   * The fields of one JSON body.
   *
   * @example
   * const scanner = createFieldScanner()
   * scanner.extract(Buffer.from('{"model":"gpt-4o","stream":true}')).model // 'gpt-4o'
   */
  extract(buf: Buffer): ExtractedFields {
    this.scan(buf, this.#scratch)
    return decodeFields(buf, this.#scratch)
  }
}

/** The process's own SIMD scanner and arena, made on first use (null: this runtime cannot have one). */
let processScanner: SimdScanner | null | undefined

function sharedSimdScanner(): SimdScanner | undefined {
  if (processScanner === undefined) {
    try {
      processScanner = SimdScanner.create(new WasmArena()) ?? null
    } catch {
      processScanner = null // no shared WebAssembly memory here (the arena could not be made)
    }
  }
  return processScanner ?? undefined
}

/**
 * A field scanner with the SIMD scanner where this runtime can run it, over `arena`, or over one
 * arena for the whole process (256 MiB at most) when none is given: every gateway of a process
 * shares it, since a scan is synchronous. Loads and compiles the WebAssembly module synchronously
 * (once per process), so call it when the gateway is created, not per request.
 */
export function createFieldScanner(arena?: WasmArena, minBytes = SIMD_MIN_BYTES): FieldScanner {
  if (arena === undefined) return new FieldScanner(sharedSimdScanner(), minBytes)
  let simd: SimdScanner | undefined
  try {
    simd = SimdScanner.create(arena)
  } catch {
    simd = undefined
  }
  return new FieldScanner(simd, minBytes)
}
