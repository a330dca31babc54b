/**
 * The options reference table (docs/reference/options.md) and the published JSON schema, both
 * made from the schema: `scripts/write-options-docs.ts` and the build write them, and
 * test/options-schema.test.ts fails when the page and the schema disagree.
 */
import { ENV_VARIABLES } from './env.js'
import type { OptionSchema } from './schema.js'
import { optionEntries } from './schema-walk.js'

export interface ReferenceRow {
  readonly option: string
  readonly type: string
  readonly default: string
  readonly env: string
}

const KiB = 1024
const MiB = 1024 * 1024

function valueText(path: string, value: unknown): string {
  if (typeof value === 'number') {
    if (/Bytes$/.test(path) && value >= MiB && value % MiB === 0) return `${value / MiB} MiB`
    if (/Bytes$/.test(path) && value >= KiB && value % KiB === 0) return `${value / KiB} KiB`
    return /port$/i.test(path) ? String(value) : value.toLocaleString('en-US')
  }
  if (Array.isArray(value)) return value.map((v) => valueText(path, v)).join(', ')
  return `\`${typeof value === 'string' ? `'${value}'` : String(value)}\``
}

function typeText(node: OptionSchema): string {
  if (node['x-type']) return node['x-type']
  if (node.enum) return node.enum.map((v) => `\`'${v}'\``).join(' | ')
  if (node.type === 'integer') {
    const { minimum, maximum } = node
    if (maximum !== undefined) return `integer ${minimum}-${maximum}`
    return minimum === undefined ? 'integer' : `integer >= ${minimum}`
  }
  if (node.type === 'array' && node.items?.type) return `${node.items.type}[]`
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'see below')
}

/** One row per option, in schema order. */
export function referenceRows(root: OptionSchema): ReferenceRow[] {
  const envByPath = new Map(ENV_VARIABLES.map((v) => [v.path, v.name]))
  return optionEntries(root).map(({ path, node }) => ({
    option: path,
    type: typeText(node),
    default: node['x-default'] ?? (node.default === undefined ? 'none' : valueText(path, node.default)),
    env: envByPath.get(path) ?? '',
  }))
}

/** The Markdown table for docs/reference/options.md. */
export function referenceTable(root: OptionSchema): string {
  // A `|` inside a cell would end it (GitHub and VitePress tables alike).
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const lines = ['| option | type | default | environment (`fromEnv()`) |', '| --- | --- | --- | --- |']
  for (const row of referenceRows(root)) {
    const env = row.env === '' ? '' : `\`${row.env}\``
    lines.push(`| \`${row.option}\` | ${cell(row.type)} | ${cell(row.default)} | ${env} |`)
  }
  return lines.join('\n')
}

/** The schema as published: without code-only fields and the x- extensions editors ignore anyway. */
export function publishedSchema(root: OptionSchema): Record<string, unknown> {
  const strip = (node: OptionSchema): OptionSchema | undefined => {
    if (node['x-code']) return undefined
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) continue
      if (key === 'properties') {
        const properties: Record<string, OptionSchema> = {}
        for (const [name, child] of Object.entries(value as Record<string, OptionSchema>)) {
          const kept = strip(child)
          if (kept) properties[name] = kept
        }
        out[key] = properties
      } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
        out[key] = strip(value as OptionSchema)
      } else if (key === 'anyOf') {
        out[key] = (value as OptionSchema[]).map(strip)
      } else {
        out[key] = value
      }
    }
    return out as OptionSchema
  }
  const schema = strip(root) as Record<string, unknown> & { properties: Record<string, unknown> }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://unpkg.com/@velox/core/dist/options.schema.json',
    title: 'Velox gateway options (createGateway, VELOX_CONFIG)',
    ...schema,
    properties: { $schema: { type: 'string' }, ...schema.properties },
  }
}
