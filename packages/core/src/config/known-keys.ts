/**
 * Refuses option keys the schema does not know, at every depth, with the nearest known key as a
 * suggestion. A typo must not quietly turn a setting off: `{ timeout: { headersMs } }` would
 * otherwise start with the default timeouts, and `upstream.apikey` with no key at all. fastify,
 * undici and ajv-based configurations refuse unknown keys the same way.
 */
import { VeloxOptionsError } from '../errors.js'
import type { OptionSchema } from './schema.js'
import { arrayVariant, objectVariant } from './schema-walk.js'

/** Throws a VeloxOptionsError naming the first unknown key's path, e.g. `upstream.apikey`. */
export function checkKnownKeys(value: unknown, schema: OptionSchema, path = ''): void {
  if (Array.isArray(value)) {
    const items = arrayVariant(schema)?.items
    if (items) for (let i = 0; i < value.length; i++) checkKnownKeys(value[i], items, `${path}[${i}]`)
    return
  }
  if (!isPlainObject(value)) return // a Buffer, a SharedArrayBuffer, a client object: not ours to walk
  const node = objectVariant(schema)
  const properties = node?.properties
  if (!properties) return // a free-form map (headers) or a value the resolvers check
  for (const key of Object.keys(value)) {
    const field = path === '' ? key : `${path}.${key}`
    const child = properties[key]
    if (child === undefined) {
      if (path === '' && key === '$schema') continue // a velox.config.json naming its schema
      const near = nearest(key, Object.keys(properties))
      const hint = near === undefined ? '' : `; did you mean ${path === '' ? near : `${path}.${near}`}?`
      throw new VeloxOptionsError(`${field} is not a known option${hint}`)
    }
    checkKnownKeys((value as Record<string, unknown>)[key], child, field)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The known key closest to `key`: same letters in another case first, else by edit distance. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  const sameLetters = known.find((k) => k.toLowerCase() === lower)
  if (sameLetters !== undefined) return sameLetters
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase())
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance, two rows (keys are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}
