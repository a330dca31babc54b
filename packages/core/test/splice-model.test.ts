import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extractFields } from '../src/json/extract-fields.js'
import { spliceModel } from '../src/json/splice-model.js'

function splice(text: string, model: string): Buffer {
  const body = Buffer.from(text)
  return spliceModel(body, extractFields(body), model)
}

describe('spliceModel', () => {
  it('replaces the model token and keeps every other byte', () => {
    const text = '{ "messages" : [ {"model":"inner"} ],\n  "model":"fast" ,"stream":true}'
    const out = splice(text, 'gpt-4o-mini')
    expect(out.toString()).toBe(
      '{ "messages" : [ {"model":"inner"} ],\n  "model":"gpt-4o-mini" ,"stream":true}',
    )
  })

  it('writes the new model as a JSON string (quotes, backslashes, control characters, unicode)', () => {
    const out = splice('{"model":"a"}', 'x"y\\z\n😀\ud800')
    expect(out.toString()).toBe('{"model":"x\\"y\\\\z\\n😀\\ud800"}')
    expect(JSON.parse(out.toString()).model).toBe('x"y\\z\n😀\ud800')
  })

  it('replaces the last of duplicate model keys, the one JSON.parse keeps', () => {
    expect(splice('{"model":"a","x":1,"model":"b"}', 'c').toString()).toBe('{"model":"a","x":1,"model":"c"}')
  })

  it('replaces an escaped model token whole', () => {
    expect(splice('{"model":"gpt\\u002d4o"}', 'o1').toString()).toBe('{"model":"o1"}')
  })

  it('finds the token itself when the fields carry no offsets (the simdjson backend)', () => {
    const body = Buffer.from('{"messages":[],"model":"fast"}')
    const fields = { ...extractFields(body), modelStart: -1, modelEnd: -1 }
    expect(spliceModel(body, fields, 'slow').toString()).toBe('{"messages":[],"model":"slow"}')
  })

  it('throws a RangeError when there is no top-level string model', () => {
    for (const text of ['{"messages":[]}', '{"model":null}', '{"x":{"model":"m"}}']) {
      const body = Buffer.from(text)
      expect(() => spliceModel(body, extractFields(body), 'm')).toThrow(RangeError)
    }
    const body = Buffer.from('{"model":"m"}')
    expect(() => spliceModel(body, { ...extractFields(body), modelStart: 2 }, 'x')).toThrow(RangeError)
  })

  it('equals JSON.parse of the original with the model replaced, bytes outside the token unchanged', () => {
    const other = fc.dictionary(
      fc.string().filter((k) => k !== 'model'),
      fc.jsonValue(),
      { maxKeys: 5 },
    )
    fc.assert(
      fc.property(
        other,
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        fc.nat(5),
        fc.constantFrom(0, 2),
        (rest, oldModel, newModel, at, indent) => {
          const entries = Object.entries(rest)
          entries.splice(Math.min(at, entries.length), 0, ['model', oldModel])
          const text = JSON.stringify(Object.fromEntries(entries), null, indent)
          const body = Buffer.from(text)
          const fields = extractFields(body)
          const out = spliceModel(body, fields, newModel)
          expect(JSON.parse(out.toString())).toEqual({ ...JSON.parse(text), model: newModel })
          const token = Buffer.from(JSON.stringify(newModel))
          expect(out.subarray(0, fields.modelStart).equals(body.subarray(0, fields.modelStart))).toBe(true)
          expect(out.subarray(fields.modelStart, fields.modelStart + token.length).equals(token)).toBe(true)
          expect(out.subarray(fields.modelStart + token.length).equals(body.subarray(fields.modelEnd))).toBe(
            true,
          )
        },
      ),
      { numRuns: 1_000 },
    )
  })
})
