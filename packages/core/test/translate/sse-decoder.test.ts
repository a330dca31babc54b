import { describe, expect, it } from 'vitest'
import { SseDecoder } from '../../src/translate/sse-decoder.js'

function decode(chunks: Array<string | Buffer>): Array<[string, string]> {
  const decoder = new SseDecoder()
  const out: Array<[string, string]> = []
  const listener = (event: string, data: string) => out.push([event, data])
  for (const chunk of chunks) decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, listener)
  decoder.end(listener)
  return out
}

describe('SseDecoder', () => {
  it('reads named events, data over several lines, CRLF endings, comments and a field without a colon', () => {
    expect(
      decode([
        ': keep-alive\n\nevent: ping\ndata: {}\n\n',
        'event:message_delta\r\ndata:{"a":\r\ndata: 1}\r\n\r\n',
        'data\n\nid: 7\nretry: 10\ndata: x\n\n',
      ]),
    ).toEqual([
      ['ping', '{}'],
      ['message_delta', '{"a":\n1}'],
      ['', ''],
      ['', 'x'],
    ])
  })

  it('holds a line, or a UTF-8 character, split across chunks until it is whole', () => {
    const bytes = Buffer.from('data: "😀 é"\n\n')
    const chunks = [bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9, 14), bytes.subarray(14)]
    expect(decode(chunks)).toEqual([['', '"😀 é"']])
  })

  it('drops an event whose blank line never came', () => {
    expect(decode(['data: done\n\ndata: cut'])).toEqual([['', 'done']])
    expect(decode(['data: cut\n'])).toEqual([])
  })
})
