/**
 * Profiles of the MAIN thread, taken from the sidecar worker through an inspector session
 * connected to it (`Session.connectToMainThread()`). The inspector delivers the commands to the
 * main isolate by interrupt, so a profile starts and stops even while the main event loop is busy,
 * which is when one is wanted (bench/sidecar/blocked-answer.ts: answered in 2-4 ms while the main loop was blocked).
 * Starting the CPU profiler costs the main thread time proportional to its code size (1.2 s on a
 * 1 GB heap, measured): that is the price of a profile, paid only when one is asked for.
 * V8 does not log code it compiled on-stack (OSR) before the profile started: a loop that was
 * already hot is attributed to its caller (seen on Node 20 and 22; docs/guide/observability.md).
 */
import { Session } from 'node:inspector/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { V8CpuProfile, V8HeapProfile } from './stack-samples.js'

/** CPU sampling interval (µs): 1 ms, as Go's 100 Hz and Node's --cpu-prof defaults are close to. */
export const CPU_INTERVAL_US = 1000
/** Average bytes between two sampled allocations (V8's default for the sampling heap profiler). */
export const HEAP_INTERVAL_BYTES = 32 * 1024

export interface Captured<T> {
  profile: T
  /** Wall clock (ms since the epoch) when sampling started, and how long it lasted (ms). */
  startedAt: number
  durationMs: number
}

async function withMainThreadSession<T>(run: (session: Session) => Promise<T>): Promise<T> {
  const session = new Session()
  session.connectToMainThread()
  try {
    return await run(session)
  } finally {
    session.disconnect()
  }
}

/** Samples the main thread's stacks for `seconds`; `onStarted` runs once the profiler runs. */
export function captureCpuProfile(seconds: number, onStarted: () => void): Promise<Captured<V8CpuProfile>> {
  return withMainThreadSession(async (session) => {
    await session.post('Profiler.enable')
    try {
      await session.post('Profiler.setSamplingInterval', { interval: CPU_INTERVAL_US })
      const startedAt = Date.now()
      await session.post('Profiler.start')
      onStarted()
      await sleep(seconds * 1000)
      const { profile } = await session.post('Profiler.stop')
      return { profile: profile as V8CpuProfile, startedAt, durationMs: Date.now() - startedAt }
    } finally {
      await session.post('Profiler.disable')
    }
  })
}

/** Samples the main thread's allocations for `seconds`; the profile holds those still live at the end. */
export function captureHeapProfile(seconds: number, onStarted: () => void): Promise<Captured<V8HeapProfile>> {
  return withMainThreadSession(async (session) => {
    const startedAt = Date.now()
    await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_INTERVAL_BYTES })
    try {
      onStarted()
      await sleep(seconds * 1000)
      const { profile } = await session.post('HeapProfiler.getSamplingProfile')
      return { profile: profile as V8HeapProfile, startedAt, durationMs: Date.now() - startedAt }
    } finally {
      await session.post('HeapProfiler.stopSampling')
    }
  })
}
