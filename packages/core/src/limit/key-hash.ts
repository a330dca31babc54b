/**
 * A 64-bit fingerprint of a limit key for the bucket table, computed without allocating: the low
 * half is returned, the high half is left in `hashHi` (read it right after the call; the function
 * is synchronous, so no other call can come between). Two independent 32-bit lanes make a false
 * match between two live keys about 1 in 2^64 per pair.
 */

/** The high 32 bits of the last `hashKey()` result. */
export let hashHi = 0

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/**
 * The low 32 bits of the key's fingerprint (the high 32 are in `hashHi` afterwards).
 *
 * @example
 * const lo = hashKey('k:3f2a...'), hi = hashHi
 */
export function hashKey(key: string): number {
  let a = 0x811c9dc5
  let b = 0x9747b28c ^ key.length
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  hashHi = fmix(b)
  return fmix(a)
}
