/**
 * Stage 1 of the field scan in WebAssembly SIMD128 (AssemblyScript), after simdjson's
 * src/generic/stage1 (json_escape_scanner.h, json_string_scanner.h, json_structural_indexer.h).
 * Per 64-byte block it builds bitmasks of quotes, backslashes, whitespace and structural
 * characters; escaped characters come from the odd-length backslash-run rule, the in-string mask
 * from a prefix XOR of the unescaped quotes (shifts on i64: WebAssembly has no carry-less
 * multiply), and what is outside strings is kept. It writes the byte offsets of every token start
 * (brackets, braces, colons, commas, scalar starts) outside strings plus every unescaped quote
 * (opening and closing), in order, as u32s; the JS walker (../walk-fields.ts) reads the fields
 * from them. Escapes are checked here too (the first bad one is kept), so the walker never looks
 * inside a string. The scan is resumable: `next()` stops when the index window is full and
 * carries its state across blocks and calls in globals (one instance per thread, scans are
 * synchronous). Compiled by `pnpm build` (packages/core/scripts/build-wasm.mjs); never edited as
 * a binary.
 */

const ODD_BITS: u64 = 0xaaaaaaaaaaaaaaaa

// Body being scanned: its address in memory and length; the 64-byte scratch for the last block.
let body: usize = 0
let length: u32 = 0
let tail: usize = 0
// Offset of the next block to scan.
let at: u32 = 0
// State carried from one block to the next (simdjson's names).
let nextIsEscaped: u64 = 0
let prevInString: u64 = 0
let prevScalar: u64 = 0
// The first invalid escape: the offset of its backslash (-1: none) and what is wrong with it.
let badAt: i32 = -1
let badKind: i32 = 0

const BAD_ESCAPE: i32 = 1
const BAD_UNICODE_ESCAPE: i32 = 2

/** Starts a scan of `len` bytes at `ptr`; `scratch` is 64 bytes this module may overwrite. */
export function begin(ptr: usize, len: u32, scratch: usize): void {
  body = ptr
  length = len
  tail = scratch
  at = 0
  nextIsEscaped = 0
  prevInString = 0
  prevScalar = 0
  badAt = -1
  badKind = 0
}

/** Offset of the backslash of the first invalid escape, or -1. */
export function badEscapeAt(): i32 {
  return badAt
}

/** 1: a bad escape, 2: a bad \u escape (valid only when badEscapeAt() >= 0). */
export function badEscapeKind(): i32 {
  return badKind
}

/** The whole body has been scanned. */
export function done(): bool {
  return at >= length
}

@inline
function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6
}

/** Checks the escape whose escaped byte is at offset `e` (its backslash may be in the previous block). */
function checkEscape(e: u32): void {
  const p = e - 1
  if (e >= length) return // a backslash at the very end: the walker reports the unterminated string
  const c = <u32>load<u8>(body + e)
  if (c == 0x75) {
    // \uXXXX: four hex digits, all inside the body
    if (
      e + 4 < length &&
      isHex(<u32>load<u8>(body + e + 1)) &&
      isHex(<u32>load<u8>(body + e + 2)) &&
      isHex(<u32>load<u8>(body + e + 3)) &&
      isHex(<u32>load<u8>(body + e + 4))
    ) {
      return
    }
    badAt = <i32>p
    badKind = BAD_UNICODE_ESCAPE
    return
  }
  if (
    c == 0x22 ||
    c == 0x5c ||
    c == 0x2f ||
    c == 0x62 ||
    c == 0x66 ||
    c == 0x6e ||
    c == 0x72 ||
    c == 0x74
  ) {
    return
  }
  badAt = <i32>p
  badKind = BAD_ESCAPE
}

@inline
function bits(v: v128): u64 {
  return <u64>i8x16.bitmask(v)
}

/** Bits of the bytes of `v` that are one of the escaped bytes n t r f / (the byte equals its table entry). */
@inline
function escapeBits(v: v128, table: v128, lowNibble: v128): u64 {
  return bits(i8x16.eq(v, i8x16.swizzle(table, v128.and(v, lowNibble))))
}

/** The 64 bytes at `p` hold a quote or a backslash. */
@inline
function hasQuoteOrBackslash(p: usize, quoteByte: v128, backslashByte: v128): bool {
  const v0 = v128.load(p)
  const v1 = v128.load(p, 16)
  const v2 = v128.load(p, 32)
  const v3 = v128.load(p, 48)
  const quotes = v128.or(v128.or(i8x16.eq(v0, quoteByte), i8x16.eq(v1, quoteByte)), v128.or(i8x16.eq(v2, quoteByte), i8x16.eq(v3, quoteByte)))
  const backslashes = v128.or(
    v128.or(i8x16.eq(v0, backslashByte), i8x16.eq(v1, backslashByte)),
    v128.or(i8x16.eq(v2, backslashByte), i8x16.eq(v3, backslashByte)),
  )
  return v128.any_true(v128.or(quotes, backslashes))
}

/**
 * Scans blocks while the index window at `out` has room for a whole block (64 entries), and
 * returns how many offsets it wrote. Call again until done(). The carried state lives in locals
 * for the loop and goes back to the globals at the end: V8 keeps locals in registers, while every
 * global read or write is a memory access.
 */
export function next(out: usize, capacity: u32): u32 {
  // Whitespace: the byte equals the table entry at its low nibble (' ', \t, \n, \r; the other
  // entries can never equal a byte with that low nibble). Operators: the byte | 0x20 (which turns
  // [ ] into { }) equals the entry at its low nibble (':', '{', ',', '}').
  const wsTable = i8x16(0x20, 100, 100, 100, 17, 100, 113, 2, 100, 0x09, 0x0a, 112, 100, 0x0d, 100, 100)
  const opTable = i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3a, 0x7b, 0x2c, 0x7d, 0, 0)
  const quoteByte = i8x16.splat(0x22)
  const backslashByte = i8x16.splat(0x5c)
  const lowNibble = i8x16.splat(0x0f)
  const curl = i8x16.splat(0x20)
  // Valid escaped bytes besides " \ b and u, by low nibble: r t f n /. Unused entries cannot
  // equal a byte with that low nibble.
  const escTable = i8x16(1, 0, 0x72, 0, 0x74, 0, 0x66, 0, 0, 0, 0, 0, 0, 0, 0x6e, 0x2f)
  const base = body
  const len = length
  // The last whole block starts here (a partial block after it is copied and padded).
  const lastWhole: u32 = len >= 64 ? len - 64 : 0
  let pos = at
  let escapedNext = nextIsEscaped
  let stringCarry = prevInString
  let scalarCarry = prevScalar
  let written: u32 = 0
  while (pos < len && written + 64 <= capacity) {
    let src = base + pos
    const remaining = len - pos
    if (remaining < 64) {
      // The last, partial block: copied and padded with spaces, so no byte after the body is read.
      memory.fill(tail, 0x20, 64)
      memory.copy(tail, src, remaining)
      src = tail
    }
    const v0 = v128.load(src)
    const v1 = v128.load(src, 16)
    const v2 = v128.load(src, 32)
    const v3 = v128.load(src, 48)
    const q0 = i8x16.eq(v0, quoteByte)
    const q1 = i8x16.eq(v1, quoteByte)
    const q2 = i8x16.eq(v2, quoteByte)
    const q3 = i8x16.eq(v3, quoteByte)
    const b0 = i8x16.eq(v0, backslashByte)
    const b1 = i8x16.eq(v1, backslashByte)
    const b2 = i8x16.eq(v2, backslashByte)
    const b3 = i8x16.eq(v3, backslashByte)
    if (stringCarry != 0 && escapedNext == 0 && remaining >= 64) {
      // Inside a string, a block with no quote and no backslash changes nothing and lists
      // nothing: one test for the 64 bytes (the memchr-like path for long text and base64).
      const any = v128.or(v128.or(v128.or(q0, q1), v128.or(q2, q3)), v128.or(v128.or(b0, b1), v128.or(b2, b3)))
      if (!v128.any_true(any)) {
        // Such blocks come in runs (long text, base64): test the next ones in a tight loop.
        pos += 64
        while (pos <= lastWhole && !hasQuoteOrBackslash(base + pos, quoteByte, backslashByte)) pos += 64
        continue
      }
    }
    let quote = bits(q0) | (bits(q1) << 16) | (bits(q2) << 32) | (bits(q3) << 48)
    const backslash = bits(b0) | (bits(b1) << 16) | (bits(b2) << 32) | (bits(b3) << 48)

    // Escapes: json_escape_scanner.h (odd-length backslash runs escape the next byte).
    let escaped: u64 = escapedNext
    if (backslash == 0) {
      escapedNext = 0
    } else {
      const potential = backslash & ~escapedNext
      const code = (((potential << 1) | ODD_BITS) - potential) ^ ODD_BITS
      escaped = code ^ (backslash | escapedNext)
      escapedNext = (code & backslash) >> 63
    }
    // An escaped quote or backslash is valid. The other escaped bytes must be one of n t r f /
    // (classified here for the whole block by one table, as code and prose are full of \n and \t)
    // or b or u, which are checked one escape at a time (rare), as \u's four hex digits must be.
    // Bits past the body are padding.
    let others = escaped & ~(quote | backslash)
    if (remaining < 64) others &= (<u64>1 << <u64>remaining) - 1
    if (others != 0 && badAt < 0) {
      others &= ~(
        escapeBits(v0, escTable, lowNibble) |
        (escapeBits(v1, escTable, lowNibble) << 16) |
        (escapeBits(v2, escTable, lowNibble) << 32) |
        (escapeBits(v3, escTable, lowNibble) << 48)
      )
      while (others != 0) {
        checkEscape(pos + <u32>ctz(others))
        if (badAt >= 0) break
        others &= others - 1
      }
    }

    // Strings: json_string_scanner.h (in-string mask by prefix XOR; opening quote in, closing out).
    quote &= ~escaped
    if (quote == 0 && stringCarry != 0) {
      // No string ends here: the whole block is inside one (the usual case in a chat body), so no
      // token starts. The next block starts in the string too, so the scalar carry cannot matter.
      scalarCarry = 0
      pos += 64
      continue
    }
    let inString = quote
    inString ^= inString << 1
    inString ^= inString << 2
    inString ^= inString << 4
    inString ^= inString << 8
    inString ^= inString << 16
    inString ^= inString << 32
    inString ^= stringCarry
    stringCarry = <u64>(<i64>inString >> 63)
    // No skip here even when every bit is in a string: that is a string opening at the block's
    // first byte, and its quote must be listed.

    // Token starts: json_structural_indexer.h (a scalar starts where no non-quote scalar precedes).
    const ws =
      bits(i8x16.eq(v0, i8x16.swizzle(wsTable, v128.and(v0, lowNibble)))) |
      (bits(i8x16.eq(v1, i8x16.swizzle(wsTable, v128.and(v1, lowNibble)))) << 16) |
      (bits(i8x16.eq(v2, i8x16.swizzle(wsTable, v128.and(v2, lowNibble)))) << 32) |
      (bits(i8x16.eq(v3, i8x16.swizzle(wsTable, v128.and(v3, lowNibble)))) << 48)
    const op =
      bits(i8x16.eq(v128.or(v0, curl), i8x16.swizzle(opTable, v128.and(v0, lowNibble)))) |
      (bits(i8x16.eq(v128.or(v1, curl), i8x16.swizzle(opTable, v128.and(v1, lowNibble)))) << 16) |
      (bits(i8x16.eq(v128.or(v2, curl), i8x16.swizzle(opTable, v128.and(v2, lowNibble)))) << 32) |
      (bits(i8x16.eq(v128.or(v3, curl), i8x16.swizzle(opTable, v128.and(v3, lowNibble)))) << 48)
    const scalar = ~(op | ws)
    const nonQuoteScalar = scalar & ~quote
    const followsScalar = (nonQuoteScalar << 1) | scalarCarry
    scalarCarry = nonQuoteScalar >> 63
    let structural = ((op | (scalar & ~followsScalar)) & ~(inString | quote)) | quote
    if (remaining < 64) structural &= (<u64>1 << <u64>remaining) - 1

    let dst = out + (<usize>written << 2)
    written += <u32>popcnt(structural)
    while (structural != 0) {
      store<u32>(dst, pos + <u32>ctz(structural))
      dst += 4
      structural &= structural - 1
    }
    pos += 64
  }
  at = pos
  nextIsEscaped = escapedNext
  prevInString = stringCarry
  prevScalar = scalarCarry
  return written
}
