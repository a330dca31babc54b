import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERRORS, VeloxError } from '../src/errors.js'

describe('the error catalogue', () => {
  it('matches docs/reference/errors.md row for row', () => {
    const doc = readFileSync(new URL('../../../docs/reference/errors.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\|\s*`(VELOX_ERR_\w+)`\s*\|\s*(\d{3})\s*\|\s*(\w+)\s*\|/gm)].map(
      ([, code, status, type]) => [code, Number(status), type],
    )
    const catalogue = Object.entries(ERRORS).map(([code, spec]) => [code, spec.status, spec.type])
    expect(rows).toEqual(catalogue)
  })

  it('serializes to the OpenAI error shape', () => {
    expect(new VeloxError('VELOX_ERR_MISSING_MODEL', undefined, 'model').toJSON()).toEqual({
      error: {
        message: 'You must provide a model parameter',
        type: 'invalid_request_error',
        param: 'model',
        code: 'VELOX_ERR_MISSING_MODEL',
      },
    })
  })
})
