import { describe, expect, it } from 'vitest'
import { extractFields } from '../../src/json/extract-fields.js'
import { spliceIncludeUsage } from '../../src/usage/include-usage-splice.js'

function splice(text: string): string {
  return spliceIncludeUsage(Buffer.from(text)).toString()
}

describe('spliceIncludeUsage', () => {
  it('inserts stream_options first when the body has none, every other byte unchanged', () => {
    expect(splice('{"model":"m","stream":true}')).toBe(
      '{"stream_options":{"include_usage":true},"model":"m","stream":true}',
    )
  })

  it('keeps odd spacing and escapes byte for byte', () => {
    const body =
      '{ \n\t"model" :  "a\\"b\\u00e9" ,"messages":[{"content":"\\"stream_options\\": 1 \\\\"}],  "stream":true }'
    const out = splice(body)
    expect(out).toBe(
      `{"stream_options":{"include_usage":true}, \n\t"model" :  "a\\"b\\u00e9" ,"messages":[{"content":"\\"stream_options\\": 1 \\\\"}],  "stream":true }`,
    )
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(body), stream_options: { include_usage: true } })
  })

  it('sets include_usage false to true in place', () => {
    expect(splice('{"stream":true,"stream_options" : { "include_usage" : false } ,"model":"m"}')).toBe(
      '{"stream":true,"stream_options" : { "include_usage" : true } ,"model":"m"}',
    )
  })

  it('sets include_usage null to true', () => {
    expect(splice('{"stream":true,"stream_options":{"include_usage":null}}')).toBe(
      '{"stream":true,"stream_options":{"include_usage":true}}',
    )
  })

  it('adds include_usage inside stream_options that lacks it', () => {
    expect(splice('{"stream":true,"stream_options":{"x":[1,{"include_usage":false}]}}')).toBe(
      '{"stream":true,"stream_options":{"include_usage":true,"x":[1,{"include_usage":false}]}}',
    )
    expect(splice('{"stream":true,"stream_options":{ }}')).toBe(
      '{"stream":true,"stream_options":{"include_usage":true }}',
    )
  })

  it('replaces a null stream_options', () => {
    expect(splice('{"stream":true,"stream_options":null}')).toBe(
      '{"stream":true,"stream_options":{"include_usage":true}}',
    )
  })

  it('changes the last of duplicate keys (the one JSON.parse keeps)', () => {
    const out = splice(
      '{"stream_options":{"include_usage":true},"stream":true,"stream_options":{"include_usage":false}}',
    )
    expect(out).toBe(
      '{"stream_options":{"include_usage":true},"stream":true,"stream_options":{"include_usage":true}}',
    )
    expect(extractFields(Buffer.from(out)).includeUsage).toBe(true)
  })

  it('reads an escaped key name as the key', () => {
    expect(splice('{"stream":true,"stream\\u005foptions":{"include\\u005fusage":false}}')).toBe(
      '{"stream":true,"stream\\u005foptions":{"include\\u005fusage":true}}',
    )
  })

  it('returns the same buffer when include_usage is already true', () => {
    const body = Buffer.from('{"stream":true,"stream_options":{"include_usage":true}}')
    expect(spliceIncludeUsage(body)).toBe(body)
  })

  it('handles an empty object and refuses what is not an object', () => {
    expect(splice('{}')).toBe('{"stream_options":{"include_usage":true}}')
    expect(() => splice('[1]')).toThrow(RangeError)
    expect(() => splice('{"stream_options":3}')).toThrow(RangeError)
  })

  it('agrees with JSON.parse on the scanner fields after the splice', () => {
    const bodies = [
      '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"}{\\"\\\\"}]}',
      '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"max_tokens":5}',
      '  {"model":"gpt-4o" , "stream" : true}  ',
    ]
    for (const body of bodies) {
      const out = splice(body)
      const fields = extractFields(Buffer.from(out))
      expect(fields.includeUsage).toBe(true)
      expect(fields.model).toBe('gpt-4o')
      const { stream_options: _, ...rest } = JSON.parse(out)
      const { stream_options: __, ...before } = JSON.parse(body)
      expect(rest).toEqual(before)
    }
  })
})
