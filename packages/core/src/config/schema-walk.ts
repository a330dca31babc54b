/**
 * Small readers over the options schema shared by its consumers (the unknown-key check, fromEnv,
 * the reference table): which variant of a union describes an object or an array, and the list
 * of every documented option with its path.
 */
import type { JsonType, OptionSchema } from './schema.js'

function hasType(node: OptionSchema, type: JsonType): boolean {
  return Array.isArray(node.type) ? node.type.includes(type) : node.type === type
}

/** The node itself, or the variant of its `anyOf`, that describes an object with known keys. */
export function objectVariant(node: OptionSchema): OptionSchema | undefined {
  if (node.properties) return node
  return node.anyOf?.find((v) => v.properties !== undefined)
}

/** The node itself, or the variant of its `anyOf`, that describes an array. */
export function arrayVariant(node: OptionSchema): OptionSchema | undefined {
  if (hasType(node, 'array')) return node
  return node.anyOf?.find((v) => hasType(v, 'array'))
}

/** A union of `true`/`false` (or `false` alone) with an object: limit, offload, sidecar. */
export function isToggle(node: OptionSchema): boolean {
  return (
    node.anyOf?.some((v) => v.type === 'boolean' || v.const === false) === true &&
    objectVariant(node) !== undefined
  )
}

export interface OptionEntry {
  /** Dotted path, e.g. `timeouts.headersMs`. */
  readonly path: string
  readonly node: OptionSchema
  /** True under an array (`upstreams`, `routes`, `limit.overrides`): documented by the array's row. */
  readonly inArray: boolean
}

/**
 * Every option in schema order: a leaf, a union, or an array gets an entry; an object's fields
 * follow it. Items of arrays are not listed (their array's entry describes them).
 */
export function optionEntries(root: OptionSchema, prefix = ''): OptionEntry[] {
  const entries: OptionEntry[] = []
  const properties = objectVariant(root)?.properties ?? {}
  for (const [key, node] of Object.entries(properties)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const object = objectVariant(node)
    const isPlainObject = object === node && !node.anyOf
    if (!isPlainObject || node['x-type'] !== undefined) entries.push({ path, node, inArray: false })
    if (object && !arrayVariant(node)) entries.push(...optionEntries(node, path))
  }
  return entries
}
