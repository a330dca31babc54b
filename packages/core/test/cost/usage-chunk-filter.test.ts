import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spliceIncludeUsage } from '../../src/usage/include-usage-splice.js'
import { UsageChunkFilter } from '../../src/usage/usage-chunk-filter.js'

/** Runs `bytes` through a filter cut into pieces of `size`, as a socket might deliver them. */
function filter(bytes: Buffer, size: number): { out: Buffer; f: UsageChunkFilter } {
  const f = new UsageChunkFilter()
  const parts: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) {
    const out = f.push(bytes.subarray(i, i + size))
    if (out !== undefined) parts.push(out)
  }
  const rest = f.end()
  if (rest !== undefined) parts.push(rest)
  return { out: Buffer.concat(parts), f }
}

const CUTS = [1, 2, 5, 13, 64, 1_000_000]

function chunk(content: string, withUsage: boolean, eol = '\n'): string {
  const usage = withUsage ? ',"usage":null' : ''
  return `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]${usage}}${eol}${eol}`
}

function stream(withUsage: boolean, eol = '\n'): string {
  const usageChunk = `data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":1}}}${eol}${eol}`
  return (
    chunk('Hel', withUsage, eol) +
    chunk('lo "usage":null}', withUsage, eol) +
    chunk('!', withUsage, eol) +
    (withUsage ? usageChunk : '') +
    `data: [DONE]${eol}${eol}`
  )
}

describe('UsageChunkFilter', () => {
  it('gives the client the stream without include_usage, byte for byte, however it is cut', () => {
    for (const eol of ['\n', '\r\n']) {
      const expected = Buffer.from(stream(false, eol))
      for (const size of CUTS) {
        const { out, f } = filter(Buffer.from(stream(true, eol)), size)
        expect(out.toString()).toBe(expected.toString())
        expect(f.removed).toBe(1)
        expect(f.usage).toEqual({
          inputTokens: 12,
          outputTokens: 3,
          cachedInputTokens: 8,
          cacheWriteTokens: undefined,
          reasoningTokens: 1,
        })
      }
    }
  })

  it('leaves a stream without the extra chunk unchanged, and nested usage:null alone', () => {
    const text =
      'event: x\ndata: {"a":{"usage":null}}\n\n' +
      ': comment\n\n' +
      'data: {"choices":[],"usage":"n/a"}\n\n' +
      'data: [DONE]\n\n'
    for (const size of CUTS) {
      const { out, f } = filter(Buffer.from(text), size)
      expect(out.toString()).toBe(text)
      expect(f.removed).toBe(0)
      expect(f.usage).toBeUndefined()
    }
  })

  it('sends an unfinished last event as it is at the end', () => {
    const text = `${chunk('a', true)}data: {"partial"`
    const { out } = filter(Buffer.from(text), 7)
    expect(out.toString()).toBe(`${chunk('a', false)}data: {"partial"`)
  })

  describe('against @velox/mock-upstream', () => {
    let mock: MockUpstream
    beforeAll(async () => {
      mock = await createMockUpstream()
    })
    afterAll(() => mock.close())

    async function post(body: Buffer): Promise<Buffer> {
      const res = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      return Buffer.from(await res.arrayBuffer())
    }

    it('turns the spliced stream back into the one the client asked for', async () => {
      const plain = Buffer.from(
        '{"model":"gpt-4o-mini", "stream": true,"messages":[{"role":"user","content":"tell \\"me\\" a story"}]}',
      )
      const spliced = spliceIncludeUsage(plain)
      const asked = (await post(plain)).toString()
      const got = await post(spliced)
      // The mock derives ids and `created` from the body bytes: map the spliced body's onto the plain one's.
      const id = (text: string) =>
        /"id":"([^"]+)","object":"chat.completion.chunk","created":(\d+)/.exec(text)!
      const [, plainId, plainCreated] = id(asked)
      for (const size of [1, 17, 1_000_000]) {
        const { out, f } = filter(got, size)
        const [, gotId, gotCreated] = id(out.toString())
        expect(
          out
            .toString()
            .replaceAll(gotId!, plainId!)
            .replaceAll(`"created":${gotCreated}`, `"created":${plainCreated}`),
        ).toBe(asked)
        expect(f.removed).toBe(1)
        expect(f.usage!.inputTokens).toBeGreaterThan(0)
        expect(f.usage!.outputTokens).toBeGreaterThan(0)
      }
    })
  })
})
