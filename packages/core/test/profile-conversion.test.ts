/** V8 profiles -> weighted stacks -> pprof and SVG, on small hand-made profiles with known answers. */
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { describe, expect, it } from 'vitest'
import { flameGraph } from '../src/sidecar/flame-graph.js'
import { encodePprof, gzipPprof } from '../src/sidecar/pprof.js'
import { parseFormat, parseSeconds } from '../src/sidecar/profile-params.js'
import {
  type CallFrame,
  cpuStackSamples,
  heapStackSamples,
  type V8CpuProfile,
  type V8HeapProfile,
} from '../src/sidecar/stack-samples.js'

const frame = (functionName: string, url = 'file:///app/server.js', lineNumber = 0): CallFrame => ({
  functionName,
  scriptId: '1',
  url,
  lineNumber,
  columnNumber: 0,
})

// (root) -> main -> handle -> parse ; main -> (idle-free) write ; (root) -> (idle)
const CPU: V8CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6] },
    { id: 2, callFrame: frame('main', 'file:///app/server.js', 9), children: [3, 5] },
    { id: 3, callFrame: frame('handle', 'file:///app/server.js', 19), children: [4] },
    { id: 4, callFrame: frame('parse', 'file:///app/json.js', 4) },
    { id: 5, callFrame: frame('', 'file:///app/server.js', 40) },
    { id: 6, callFrame: frame('(idle)', '', -1) },
  ],
  startTime: 1_000,
  endTime: 9_000,
  samples: [4, 4, 3, 6, 5, 4],
  timeDeltas: [0, 1000, 1000, 2000, 1000, 1500],
}

describe('cpuStackSamples', () => {
  it('weights each stack by its samples and the time until the next sample, idle left out', () => {
    const samples = cpuStackSamples(CPU, 1000)
    expect(samples).toEqual([
      {
        frames: [
          { name: 'parse', file: 'file:///app/json.js', line: 5 },
          { name: 'handle', file: 'file:///app/server.js', line: 20 },
          { name: 'main', file: 'file:///app/server.js', line: 10 },
        ],
        // samples 0, 1 and 5: until the next sample 1000 + 2000 us, and one interval for the last
        values: [3, (1000 + 1000 + 1000) * 1000],
      },
      {
        frames: [
          { name: 'handle', file: 'file:///app/server.js', line: 20 },
          { name: 'main', file: 'file:///app/server.js', line: 10 },
        ],
        values: [1, 2000 * 1000],
      },
      {
        frames: [
          { name: '(anonymous)', file: 'file:///app/server.js', line: 41 },
          { name: 'main', file: 'file:///app/server.js', line: 10 },
        ],
        values: [1, 1500 * 1000],
      },
    ])
  })
})

describe('heapStackSamples', () => {
  it('sums the sampled allocations per stack', () => {
    const heap: V8HeapProfile = {
      head: {
        id: 1,
        callFrame: frame('(root)', ''),
        selfSize: 0,
        children: [
          {
            id: 2,
            callFrame: frame('load', 'file:///app/cache.js', 2),
            selfSize: 0,
            children: [{ id: 3, callFrame: frame('Buffer', '', -1), selfSize: 96, children: [] }],
          },
        ],
      },
      samples: [
        { size: 64, nodeId: 3, ordinal: 1 },
        { size: 32, nodeId: 3, ordinal: 2 },
      ],
    }
    expect(heapStackSamples(heap)).toEqual([
      {
        frames: [
          { name: 'Buffer', file: '', line: 0 },
          { name: 'load', file: 'file:///app/cache.js', line: 3 },
        ],
        values: [2, 96],
      },
    ])
  })
})

describe('encodePprof', () => {
  it('writes a profile that pprof-format decodes to the same stacks, functions and lines', async () => {
    const shape = {
      sampleTypes: [
        ['samples', 'count'],
        ['cpu', 'nanoseconds'],
      ] as Array<[string, string]>,
      periodType: ['cpu', 'nanoseconds'] as [string, string],
      period: 1_000_000,
      startedAt: 1_700_000_000_123,
      durationMs: 8,
      defaultSampleType: 1,
    }
    const samples = cpuStackSamples(CPU, 1000)
    const decoded = Profile.decode(gunzipSync(await gzipPprof(samples, shape)))
    const s = decoded.stringTable.strings
    expect(decoded.sampleType.map((t) => [s[Number(t.type)], s[Number(t.unit)]])).toEqual(shape.sampleTypes)
    expect(s[Number(decoded.defaultSampleType)]).toBe('cpu')
    expect(BigInt(decoded.timeNanos)).toBe(1_700_000_000_123_000_000n)
    expect(Number(decoded.durationNanos)).toBe(8_000_000)
    expect(Number(decoded.period)).toBe(1_000_000)
    const functions = new Map(decoded.function.map((f) => [Number(f.id), f]))
    const locations = new Map(decoded.location.map((l) => [Number(l.id), l]))
    const stacks = decoded.sample.map((sample) => ({
      frames: sample.locationId.map((id) => {
        const line = locations.get(Number(id))!.line[0]!
        const fn = functions.get(Number(line.functionId))!
        return `${s[Number(fn.name)]} ${s[Number(fn.filename)]}:${Number(line.line)}`
      }),
      values: sample.value.map(Number),
    }))
    expect(stacks).toEqual([
      {
        frames: [
          'parse file:///app/json.js:5',
          'handle file:///app/server.js:20',
          'main file:///app/server.js:10',
        ],
        values: [3, 3_000_000],
      },
      {
        frames: ['handle file:///app/server.js:20', 'main file:///app/server.js:10'],
        values: [1, 2_000_000],
      },
      {
        frames: ['(anonymous) file:///app/server.js:41', 'main file:///app/server.js:10'],
        values: [1, 1_500_000],
      },
    ])
    expect(decoded.function).toHaveLength(4) // one per distinct (name, file, line)
    expect(encodePprof([], shape).length).toBeGreaterThan(0) // an empty profile is still a profile
  })
})

describe('flameGraph', () => {
  it('draws one frame per call path, as wide as its share, with escaped names', () => {
    const svg = flameGraph(
      [
        {
          frames: [
            { name: 'a<b>', file: 'x.js', line: 3 },
            { name: 'main', file: 'x.js', line: 1 },
          ],
          values: [3],
        },
        { frames: [{ name: 'main', file: 'x.js', line: 1 }], values: [1] },
      ],
      { title: 'CPU & more', valueIndex: 0, format: (n) => `${n} samples` },
    )
    const frames = [
      ...svg.matchAll(/<title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g),
    ].map(([, title, x, y, width]) => ({ title, x: Number(x), y: Number(y), width: Number(width) }))
    expect(frames).toEqual([
      { title: 'all (4 samples, 100.00%)', x: 10, y: 68, width: 1180 },
      { title: 'main x.js:1 (4 samples, 100.00%)', x: 10, y: 51, width: 1180 },
      { title: 'a&#60;b&#62; x.js:3 (3 samples, 75.00%)', x: 10, y: 34, width: 885 },
    ])
    expect(svg).toContain('>CPU &#38; more (4 samples)</text>')
    expect(svg.endsWith('</svg>')).toBe(true)
  })
})

describe('profile parameters', () => {
  it('reads seconds as a decimal number > 0 and <= 60, 10 by default', () => {
    expect([null, '1', '0.5', '.25', '60', '7.'].map(parseSeconds)).toEqual([10, 1, 0.5, 0.25, 60, 7])
  })

  it('reads format from a list, its first entry by default', () => {
    expect(parseFormat(null, ['pprof', 'svg'])).toBe('pprof')
    expect(parseFormat('svg', ['pprof', 'svg'])).toBe('svg')
    expect(parseFormat('SVG', ['pprof', 'svg'])).toEqual({
      error: 'format must be one of pprof, svg (got "SVG")',
    })
  })
})
