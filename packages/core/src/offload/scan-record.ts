/**
 * Moves a ScanResult through an Int32 result record and back (the worker writes, the main thread
 * reads), so the two sides share one definition of the record.
 */
import { ScanResult, UNSET } from '../json/extract-fields.js'
import {
  RES_INCLUDE_USAGE,
  RES_INVALID,
  RES_IS_OBJECT,
  RES_MAX_COMPLETION_TOKENS,
  RES_MAX_OUTPUT_TOKENS,
  RES_MAX_TOKENS,
  RES_MODEL_END,
  RES_MODEL_ESCAPED,
  RES_MODEL_START,
  RES_STREAM,
  RES_USER_END,
  RES_USER_ESCAPED,
  RES_USER_START,
} from './layout.js'

const TWO_32 = 2 ** 32

function writeCount(data: Int32Array, at: number, n: number): void {
  data[at] = n === UNSET ? -1 : Math.floor(n / TWO_32)
  data[at + 1] = n === UNSET ? 0 : (n % TWO_32) | 0
}

function readCount(data: Int32Array, at: number): number {
  const high = data[at]!
  return high === -1 ? UNSET : high * TWO_32 + (data[at + 1]! >>> 0)
}

export function writeScanResult(data: Int32Array, at: number, r: ScanResult): void {
  data[at + RES_IS_OBJECT] = r.isObject ? 1 : 0
  data[at + RES_MODEL_START] = r.modelStart
  data[at + RES_MODEL_END] = r.modelEnd
  data[at + RES_MODEL_ESCAPED] = r.modelEscaped ? 1 : 0
  data[at + RES_USER_START] = r.userStart
  data[at + RES_USER_END] = r.userEnd
  data[at + RES_USER_ESCAPED] = r.userEscaped ? 1 : 0
  data[at + RES_STREAM] = r.stream
  data[at + RES_INCLUDE_USAGE] = r.includeUsage
  writeCount(data, at + RES_MAX_TOKENS, r.maxTokens)
  writeCount(data, at + RES_MAX_COMPLETION_TOKENS, r.maxCompletionTokens)
  writeCount(data, at + RES_MAX_OUTPUT_TOKENS, r.maxOutputTokens)
  data[at + RES_INVALID] = r.invalid
}

export function readScanResult(data: Int32Array, at: number): ScanResult {
  const r = new ScanResult()
  r.isObject = data[at + RES_IS_OBJECT] === 1
  r.modelStart = data[at + RES_MODEL_START]!
  r.modelEnd = data[at + RES_MODEL_END]!
  r.modelEscaped = data[at + RES_MODEL_ESCAPED] === 1
  r.userStart = data[at + RES_USER_START]!
  r.userEnd = data[at + RES_USER_END]!
  r.userEscaped = data[at + RES_USER_ESCAPED] === 1
  r.stream = data[at + RES_STREAM]!
  r.includeUsage = data[at + RES_INCLUDE_USAGE]!
  r.maxTokens = readCount(data, at + RES_MAX_TOKENS)
  r.maxCompletionTokens = readCount(data, at + RES_MAX_COMPLETION_TOKENS)
  r.maxOutputTokens = readCount(data, at + RES_MAX_OUTPUT_TOKENS)
  r.invalid = data[at + RES_INVALID]!
  return r
}
