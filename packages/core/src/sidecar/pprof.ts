/**
 * Weighted stacks as a pprof protobuf (github.com/google/pprof, proto/profile.proto), encoded with
 * pprof-format, gzipped as Go's /debug/pprof endpoints serve it, so `go tool pprof` and every
 * pprof viewer open it. One Function per (name, file, start line) and one Location per Function:
 * V8's profiles name the line a function starts on, not the line that was running.
 */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import {
  Line,
  Location,
  Function as PprofFunction,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format'
import type { StackSample } from './stack-samples.js'

const gzipAsync = promisify(gzip)

export interface PprofShape {
  /** `[type, unit]` per value of each StackSample, e.g. `[['samples', 'count'], ['cpu', 'nanoseconds']]`. */
  sampleTypes: Array<[type: string, unit: string]>
  /** The sampling period's type and value, e.g. `['cpu', 'nanoseconds']` and 1e6. */
  periodType: [type: string, unit: string]
  period: number
  /** Wall-clock start (ms since the epoch) and length (ms) of the profile. */
  startedAt: number
  durationMs: number
  /** Index in sampleTypes of the type viewers show first. */
  defaultSampleType: number
}

/**
 * @example
 * const bytes = encodePprof(cpuStackSamples(profile, 1000), CPU_SHAPE) // gunzip, then Profile.decode
 */
export function encodePprof(samples: StackSample[], shape: PprofShape): Uint8Array {
  const strings = new StringTable()
  const valueType = ([type, unit]: [string, string]) =>
    new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) })
  const functions: PprofFunction[] = []
  const locations: Location[] = []
  const locationByKey = new Map<string, number>()

  const locationId = (name: string, file: string, line: number): number => {
    const key = `${name}\0${file}\0${line}`
    let id = locationByKey.get(key)
    if (id === undefined) {
      id = functions.length + 1 // ids start at 1: 0 means "none" in pprof
      const fn = strings.dedup(name)
      functions.push(
        new PprofFunction({ id, name: fn, systemName: fn, filename: strings.dedup(file), startLine: line }),
      )
      locations.push(new Location({ id, line: [new Line({ functionId: id, line })] }))
      locationByKey.set(key, id)
    }
    return id
  }

  const pprofSamples = samples.map(
    (s) =>
      new Sample({
        locationId: s.frames.map((f) => locationId(f.name, f.file, f.line)),
        value: s.values,
      }),
  )
  const sampleType = shape.sampleTypes.map(valueType)
  const profile = new Profile({
    sampleType,
    sample: pprofSamples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: BigInt(Math.round(shape.startedAt)) * 1_000_000n,
    durationNanos: BigInt(Math.round(shape.durationMs)) * 1_000_000n,
    periodType: valueType(shape.periodType),
    period: shape.period,
    defaultSampleType: sampleType[shape.defaultSampleType]!.type,
  })
  return profile.encode()
}

/** The gzipped protobuf, as `/debug/pprof/*` serves it. */
export async function gzipPprof(samples: StackSample[], shape: PprofShape): Promise<Buffer> {
  return gzipAsync(encodePprof(samples, shape))
}
