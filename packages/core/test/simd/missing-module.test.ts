// A server bundled without @velox/core's stage1.wasm: the gateway says so once, by its logger,
// and scans with the JS scanner (same fields). node:fs is mocked so that the file is not found.
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createGateway } from '../../src/index.js'
import { createFieldScanner } from '../../src/json/simd/field-scanner.js'

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const existsSync = (path: Parameters<typeof fs.existsSync>[0]) =>
    String(path).endsWith('stage1.wasm') ? false : fs.existsSync(path)
  return { ...fs, existsSync, default: { ...fs, existsSync } }
})

describe('stage1.wasm missing', () => {
  const warnings: Array<[unknown, string | undefined]> = []
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn: (obj: unknown, msg?: string) => warnings.push([obj, msg]),
  }
  const gateway = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, logger, offload: false })
  afterAll(() => gateway.close())

  it('warns once that bodies are scanned without SIMD, naming the fix', () => {
    createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, logger, offload: false }).close()
    const ours = warnings.filter(([obj]) => (obj as { code?: string }).code === 'VELOX_WARN_NO_SIMD_MODULE')
    expect(ours).toHaveLength(2) // once per gateway
    expect(ours[0]![1]).toContain('Keep @velox/core external')
  })

  it('scans with the JS scanner, with the same fields', () => {
    const scanner = createFieldScanner()
    expect(scanner.simd).toBeUndefined()
    const body = Buffer.from(`{"model":"gpt-4o","pad":"${'x'.repeat(1000)}","stream":true}`)
    expect(scanner.extract(body)).toMatchObject({ model: 'gpt-4o', stream: true })
  })
})
