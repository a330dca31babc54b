import { describe, expect, it, vi } from 'vitest'
import { WasmArena } from '../../src/ingress/wasm-arena.js'
import { extractFields } from '../../src/json/extract-fields.js'
import { createFieldScanner, FieldScanner, SIMD_MIN_BYTES } from '../../src/json/simd/field-scanner.js'
import { stage1FileMissing } from '../../src/json/simd/stage1-module.js'

const body = (bytes: number) => {
  const head = '{"model":"gpt-4o","stream":true,"x":"'
  return Buffer.from(`${head}${'a'.repeat(bytes - head.length - 2)}"}`)
}

describe('FieldScanner', () => {
  it('finds the built stage1.wasm, so a gateway has no missing-module warning to give', () => {
    expect(stage1FileMissing()).toBe(false)
    expect(createFieldScanner().simd).toBeDefined()
  })

  it('sends bodies from SIMD_MIN_BYTES up to the SIMD scanner and smaller ones to the JS scanner', () => {
    const scanner = createFieldScanner(new WasmArena({ maxBytes: 4 * 1024 * 1024 }))
    const simdScan = vi.spyOn(scanner.simd!, 'scan')
    expect(scanner.extract(body(SIMD_MIN_BYTES - 1))).toEqual(extractFields(body(SIMD_MIN_BYTES - 1)))
    expect(simdScan).not.toHaveBeenCalled()
    expect(scanner.extract(body(SIMD_MIN_BYTES))).toEqual(extractFields(body(SIMD_MIN_BYTES)))
    expect(simdScan).toHaveBeenCalledTimes(1)
  })

  it('uses the JS scanner for every body where there is no SIMD scanner', () => {
    const scanner = new FieldScanner(undefined)
    expect(scanner.extract(body(10_000))).toEqual(extractFields(body(10_000)))
    expect(() => scanner.extract(Buffer.from('{"model":'))).toThrow('Unexpected end of JSON at byte 9')
  })

  it('falls back to the JS scanner when the arena has no room to copy a body in', () => {
    const arena = new WasmArena({ initialBytes: 512 * 1024, maxBytes: 512 * 1024 })
    const scanner = createFieldScanner(arena)
    expect(scanner.simd).toBeDefined()
    const large = body(600 * 1024) // larger than the whole arena
    expect(scanner.extract(large)).toEqual(extractFields(large))
  })
})
