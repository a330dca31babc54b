/**
 * What crosses between the main thread and the sidecar worker, besides the telemetry ring:
 * the worker's start-up data, its messages to the main thread, and the label pairs.
 */
import type { MessagePort } from 'node:worker_threads'

export interface SidecarWorkerData {
  host: string
  port: number
  token: string | undefined
  profiling: boolean
  metrics: boolean
  /** The telemetry RingQueue's memory; null when metrics are off. */
  ring: SharedArrayBuffer | null
  /** Receives LabelPair messages; null when metrics are off. */
  labels: MessagePort | null
}

/** One interned label: its id and its string, sent once. */
export type LabelPair = [id: number, value: string]

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type WorkerMessage =
  | { type: 'listening'; url: string }
  | { type: 'failed'; message: string; code: string | undefined }
  /** The worker has no logger of its own: the main thread logs for it (through the redacting logger). */
  | { type: 'log'; level: LogLevel; obj: Record<string, unknown>; msg: string }
