/**
 * V8's profiles (the CPU profile's node tree with samples and time deltas; the sampling heap
 * profile's tree with sampled allocations) as one neutral shape, weighted call stacks, that the
 * pprof encoder and the flame graph both take.
 */

/** A V8 call frame (Chrome DevTools protocol `Runtime.CallFrame`): line and column are 0-based. */
export interface CallFrame {
  functionName: string
  scriptId: string
  url: string
  lineNumber: number
  columnNumber: number
}

/** `Profiler.Profile` */
export interface V8CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }>
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export interface V8HeapNode {
  id: number
  callFrame: CallFrame
  selfSize: number
  children: V8HeapNode[]
}

/** `HeapProfiler.SamplingHeapProfile` */
export interface V8HeapProfile {
  head: V8HeapNode
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>
}

export interface Frame {
  name: string
  /** The script URL or path; '' for native code. */
  file: string
  /** 1-based line where the function starts; 0 when unknown. */
  line: number
}

export interface StackSample {
  /** Leaf first, as pprof wants them. */
  frames: Frame[]
  /** One value per sample type of the profile. */
  values: number[]
}

/** The CPU profile's own marker for "waiting for events": not CPU time, so not in the profile. */
const IDLE = '(idle)'

function frameOf(callFrame: CallFrame): Frame {
  return {
    name: callFrame.functionName || '(anonymous)',
    file: callFrame.url,
    line: callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0,
  }
}

/** Frames from `id` up to (not including) the root, leaf first. */
function stackOf(id: number, parents: Map<number, number>, frames: Map<number, Frame>): Frame[] {
  const stack: Frame[] = []
  for (let at: number | undefined = id; at !== undefined && parents.has(at); at = parents.get(at)) {
    stack.push(frames.get(at)!)
  }
  return stack
}

/**
 * Weighted stacks of a CPU profile: values `[samples, nanoseconds]`. Sample i lasts until sample
 * i + 1 (timeDeltas[i + 1]); the last one lasts one sampling interval.
 *
 * @example
 * const { profile } = await session.post('Profiler.stop')
 * cpuStackSamples(profile, 1000) // [{ frames: [{ name: 'handle', file, line }, ...], values: [12, 12_400_000] }]
 */
export function cpuStackSamples(profile: V8CpuProfile, intervalUs: number): StackSample[] {
  const parents = new Map<number, number>()
  const frames = new Map<number, Frame>()
  const idle = new Set<number>()
  for (const node of profile.nodes) {
    frames.set(node.id, frameOf(node.callFrame))
    if (node.callFrame.functionName === IDLE) idle.add(node.id)
    for (const child of node.children ?? []) parents.set(child, node.id)
  }
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const totals = new Map<number, [number, number]>()
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!
    if (idle.has(id)) continue
    const us = i + 1 < deltas.length ? deltas[i + 1]! : intervalUs
    const total = totals.get(id) ?? [0, 0]
    total[0] += 1
    total[1] += Math.max(0, us) * 1000
    totals.set(id, total)
  }
  const out: StackSample[] = []
  for (const [id, values] of totals) {
    const stack = stackOf(id, parents, frames)
    if (stack.length > 0) out.push({ frames: stack, values })
  }
  return out
}

/**
 * Weighted stacks of a sampling heap profile: values `[sampled allocations, bytes]`, the bytes
 * being V8's estimate of the live memory each sample stands for.
 */
export function heapStackSamples(profile: V8HeapProfile): StackSample[] {
  const parents = new Map<number, number>()
  const frames = new Map<number, Frame>()
  const selfSizes = new Map<number, number>()
  const walk = [profile.head]
  for (let node = walk.pop(); node !== undefined; node = walk.pop()) {
    frames.set(node.id, frameOf(node.callFrame))
    selfSizes.set(node.id, node.selfSize)
    for (const child of node.children) {
      parents.set(child.id, node.id)
      walk.push(child)
    }
  }
  const totals = new Map<number, [number, number]>()
  if (profile.samples !== undefined) {
    for (const s of profile.samples) {
      const total = totals.get(s.nodeId) ?? [0, 0]
      total[0] += 1
      total[1] += s.size
      totals.set(s.nodeId, total)
    }
  } else {
    for (const [id, size] of selfSizes) if (size > 0) totals.set(id, [1, size])
  }
  const out: StackSample[] = []
  for (const [id, values] of totals) {
    const stack = stackOf(id, parents, frames)
    if (stack.length > 0) out.push({ frames: stack, values })
  }
  return out
}
