/**
 * `GET /debug/pprof/profile` (CPU) and `GET /debug/pprof/heap` (sampling heap profile) of the main
 * thread, as Go's net/http/pprof serves them: gzipped pprof protobuf by default, or the raw V8
 * profile JSON, or an SVG flame graph. One profile at a time (a second one gets 409): two would
 * share one V8 profiler and double its cost on the main thread.
 */
import type { ServerResponse } from 'node:http'
import { flameGraph } from './flame-graph.js'
import type { LogFn, RouteHandler } from './http-server.js'
import { send, sendError } from './http-server.js'
import {
  CPU_INTERVAL_US,
  captureCpuProfile,
  captureHeapProfile,
  HEAP_INTERVAL_BYTES,
} from './inspector-profiles.js'
import { gzipPprof, type PprofShape } from './pprof.js'
import { isParamError, type ProfileFormat, parseFormat, parseSeconds } from './profile-params.js'
import { cpuStackSamples, heapStackSamples, type StackSample } from './stack-samples.js'

type Shape = Omit<PprofShape, 'startedAt' | 'durationMs'>

/** Go's CPU profile: samples/count and cpu/nanoseconds, cpu shown first. */
const CPU_SHAPE: Shape = {
  sampleTypes: [
    ['samples', 'count'],
    ['cpu', 'nanoseconds'],
  ],
  periodType: ['cpu', 'nanoseconds'],
  period: CPU_INTERVAL_US * 1000,
  defaultSampleType: 1,
}

/**
 * Go's heap profile has alloc_* and inuse_*; V8's sampling profile knows only what is still live, so
 * this one has samples/count (sampled allocations) and inuse_space/bytes (V8's estimate of the live
 * bytes they stand for), inuse_space shown first.
 */
const HEAP_SHAPE: Shape = {
  sampleTypes: [
    ['samples', 'count'],
    ['inuse_space', 'bytes'],
  ],
  periodType: ['space', 'bytes'],
  period: HEAP_INTERVAL_BYTES,
  defaultSampleType: 1,
}

const CPU_FORMATS: readonly ProfileFormat[] = ['pprof', 'cpuprofile', 'svg']
const HEAP_FORMATS: readonly ProfileFormat[] = ['pprof', 'heapprofile', 'svg']

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`
}

interface Rendering {
  name: 'profile' | 'heap'
  shape: Shape
  /** Title of the flame graph, and which value of the samples its widths show. */
  title: string
  valueIndex: number
  format(value: number): string
}

/** One captured profile: the inspector's own object, its stack samples, and when it ran. */
interface Captured {
  raw: unknown
  samples: () => StackSample[]
  captured: { startedAt: number; durationMs: number }
}

async function respond(
  res: ServerResponse,
  format: ProfileFormat,
  profile: Captured,
  r: Rendering,
): Promise<void> {
  const { raw, samples, captured } = profile
  if (format === 'pprof') {
    const body = await gzipPprof(samples(), { ...r.shape, ...captured })
    return send(res, 200, body, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${r.name}.pb.gz"`,
    })
  }
  if (format === 'svg') {
    const svg = flameGraph(samples(), { title: r.title, valueIndex: r.valueIndex, format: r.format })
    return send(res, 200, svg, { 'content-type': 'image/svg+xml; charset=utf-8' })
  }
  return send(res, 200, JSON.stringify(raw), {
    'content-type': 'application/json',
    'content-disposition': `attachment; filename="${r.name}.${format}"`,
  })
}

/**
 * @example
 * createSidecarServer({ token, routes: { ...profileRoutes(log) }, log })
 */
export function profileRoutes(log: LogFn): Record<string, RouteHandler> {
  let busy = false

  const route =
    (kind: 'cpu' | 'heap'): RouteHandler =>
    async (url, res) => {
      const seconds = parseSeconds(url.searchParams.get('seconds'))
      if (isParamError(seconds)) return sendError(res, 400, 'invalid_parameter', seconds.error)
      const format = parseFormat(url.searchParams.get('format'), kind === 'cpu' ? CPU_FORMATS : HEAP_FORMATS)
      if (isParamError(format)) return sendError(res, 400, 'invalid_parameter', format.error)
      if (busy) {
        return sendError(
          res,
          409,
          'profile_in_progress',
          'A profile is already being taken; try again when it ends',
        )
      }
      busy = true
      try {
        const started = () => log('info', { kind, seconds, format }, `velox: ${kind} profile started`)
        if (kind === 'cpu') {
          const { profile, ...captured } = await captureCpuProfile(seconds, started)
          const samples = () => cpuStackSamples(profile, CPU_INTERVAL_US)
          await respond(
            res,
            format,
            { raw: profile, samples, captured },
            {
              name: 'profile',
              shape: CPU_SHAPE,
              title: 'CPU profile of the main thread',
              valueIndex: 0,
              format: (n) => `${n} samples`,
            },
          )
        } else {
          const { profile, ...captured } = await captureHeapProfile(seconds, started)
          const samples = () => heapStackSamples(profile)
          await respond(
            res,
            format,
            { raw: profile, samples, captured },
            {
              name: 'heap',
              shape: HEAP_SHAPE,
              title: 'Live sampled allocations of the main thread',
              valueIndex: 1,
              format: megabytes,
            },
          )
        }
        log('info', { kind, seconds, format }, `velox: ${kind} profile served`)
      } finally {
        busy = false
      }
    }

  return { '/debug/pprof/profile': route('cpu'), '/debug/pprof/heap': route('heap') }
}
