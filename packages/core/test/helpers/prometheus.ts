/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), so tests can check
 * that /metrics is valid and read exact values: every line is a HELP, a TYPE, a sample or empty,
 * and every sample belongs to a family whose TYPE came before it.
 */

export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  types: Map<string, string>
  help: Map<string, string>
  samples: PromSample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*'
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: -?[0-9]+)?$`)
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`)
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const m = LABEL_PAIR.exec(rest)
    if (m === null) throw new Error(`bad labels in: ${line}`)
    if (m[1]! in labels) throw new Error(`duplicate label ${m[1]} in: ${line}`)
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    rest = rest.slice(m[0].length)
  }
  return labels
}

function family(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length)
      if (types.get(base) === 'histogram' || (suffix !== '_bucket' && types.get(base) === 'summary'))
        return base
    }
  }
  return undefined
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  const samples: PromSample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) {
      const m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line)
      if (m === null) throw new Error(`bad HELP: ${line}`)
      help.set(m[1]!, m[2]!)
      continue
    }
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line)
      if (m === null || !TYPES.has(m[2]!)) throw new Error(`bad TYPE: ${line}`)
      if (types.has(m[1]!)) throw new Error(`TYPE given twice: ${line}`)
      types.set(m[1]!, m[2]!)
      continue
    }
    if (line.startsWith('#')) continue // other comments are allowed
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`bad sample line: ${line}`)
    const name = m[1]!
    const base = family(name, types)
    if (base === undefined) throw new Error(`sample before its TYPE: ${line}`)
    const labels = parseLabels(m[2] ?? '', line)
    if (name.endsWith('_bucket') && !('le' in labels)) throw new Error(`bucket without le: ${line}`)
    samples.push({ name, labels, value: Number(m[3]!.replace('Inf', 'Infinity')) })
  }
  return { types, help, samples }
}

/** Samples of one metric name, labels and value only, sorted for stable comparison. */
export function series(
  exposition: Exposition,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  return exposition.samples
    .filter((s) => s.name === name)
    .map(({ labels, value }) => ({ labels, value }))
    .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)))
}

/** The value of the sample with exactly these labels, or undefined. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  return exposition.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  )?.value
}
