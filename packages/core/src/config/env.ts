/**
 * fromEnv(): options from environment variables, for deployments configured the twelve-factor
 * way. Every scalar option has a variable named after its path (`timeouts.headersMs` ->
 * `VELOX_TIMEOUTS_HEADERS_MS`), except the Rust Velox gateway's seven, which keep their names
 * (`VELOX_UPSTREAM_ORIGIN`, `VELOX_EGRESS_POOL_CONNECTIONS`, `VELOX_RATE_LIMIT_RPM`,
 * `OPENAI_API_KEY`...). Structured options (upstreams, routes, overrides) come from `VELOX_CONFIG`,
 * a JSON document or the path of a JSON file; single variables override it. Names, types and
 * bounds all come from the schema (config/schema.ts), so a new option gets its variable for free.
 */
import { readFileSync } from 'node:fs'
import { VeloxOptionsError } from '../errors.js'
import { checkKnownKeys } from './known-keys.js'
import { OPTIONS_SCHEMA, type OptionSchema } from './schema.js'
import { arrayVariant, isToggle, objectVariant, optionEntries } from './schema-walk.js'

export interface EnvVariable {
  /** The variable, e.g. `VELOX_TIMEOUTS_HEADERS_MS`. */
  readonly name: string
  /** The option it sets, e.g. `timeouts.headersMs`. */
  readonly path: string
  readonly node: OptionSchema
}

/** The variable an option is read from: `VELOX_` and its path in upper snake case. */
function derivedName(path: string): string {
  return `VELOX_${path
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase()}`
}

function isScalar(node: OptionSchema): boolean {
  const types = Array.isArray(node.type) ? node.type : [node.type]
  return types.some((t) => t === 'string' || t === 'integer' || t === 'number' || t === 'boolean')
}

function readable(node: OptionSchema): boolean {
  if (node['x-code']) return false
  if (isToggle(node) || isScalar(node)) return true
  const items = arrayVariant(node)?.items
  return items !== undefined && isScalar(items) && !objectVariant(node)
}

/** Every variable fromEnv() reads besides VELOX_CONFIG, in schema order. */
export const ENV_VARIABLES: readonly EnvVariable[] = Object.freeze(
  optionEntries(OPTIONS_SCHEMA)
    .filter(({ node }) => readable(node))
    .map(({ path, node }) => Object.freeze({ name: node['x-env'] ?? derivedName(path), path, node })),
)

function invalid(name: string, expected: string, raw: string): never {
  throw new VeloxOptionsError(`${name} must be ${expected} (got ${JSON.stringify(raw)})`)
}

function parseScalar(name: string, node: OptionSchema, raw: string): unknown {
  const type = Array.isArray(node.type) ? node.type[0] : node.type
  if (type === 'integer') {
    if (!/^-?\d+$/.test(raw)) invalid(name, 'an integer', raw)
    const n = Number(raw)
    const { minimum = -Infinity, maximum = Infinity } = node
    if (n < minimum || n > maximum) {
      invalid(
        name,
        maximum === Infinity ? `an integer >= ${minimum}` : `an integer from ${minimum} to ${maximum}`,
        raw,
      )
    }
    return n
  }
  if (type === 'number') {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n) || n < (node.minimum ?? -Infinity)) {
      invalid(name, node.minimum === undefined ? 'a number' : `a number >= ${node.minimum}`, raw)
    }
    return n
  }
  if (type === 'boolean') {
    if (/^(true|1)$/i.test(raw)) return true
    if (/^(false|0)$/i.test(raw)) return false
    invalid(name, 'true or false', raw)
  }
  if (node.enum && !node.enum.includes(raw)) invalid(name, `one of ${node.enum.join(', ')}`, raw)
  return raw
}

function parseVariable({ name, node }: EnvVariable, raw: string): unknown {
  if (isToggle(node)) {
    if (/^(false|0)$/i.test(raw)) return false
    if (/^(true|1)$/i.test(raw)) return node.anyOf!.some((v) => v.type === 'boolean') ? true : {}
    invalid(name, 'true or false', raw)
  }
  const items = arrayVariant(node)?.items
  if (items && !isScalar(node)) {
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => parseScalar(name, items, part))
  }
  return parseScalar(name, node, raw)
}

/** Sets `value` at a dotted path, making objects on the way (a toggle's `true` becomes `{}`). */
function setPath(target: Record<string, unknown>, variable: EnvVariable, value: unknown): void {
  const keys = variable.path.split('.')
  let at = target
  keys.slice(0, -1).forEach((key, i) => {
    const current = at[key]
    if (current === false) {
      const parent = ENV_VARIABLES.find((v) => v.path === keys.slice(0, i + 1).join('.'))
      throw new VeloxOptionsError(`${variable.name} is set while ${parent?.name ?? key} turns ${key} off`)
    }
    if (typeof current !== 'object' || current === null) at[key] = {}
    at = at[key] as Record<string, unknown>
  })
  at[keys[keys.length - 1]!] = value
}

/** VELOX_CONFIG: a JSON document, or the path of a JSON file. Never echoes its content (keys). */
function readConfig(raw: string): Record<string, unknown> {
  const inline = raw.trimStart().startsWith('{')
  let text = raw
  if (!inline) {
    try {
      text = readFileSync(raw, 'utf8')
    } catch (error) {
      throw new VeloxOptionsError(
        `VELOX_CONFIG names a file that cannot be read: ${raw} (${(error as NodeJS.ErrnoException).code})`,
      )
    }
  }
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch {
    throw new VeloxOptionsError(
      `VELOX_CONFIG must be a JSON object${inline ? '' : ` (in ${raw})`}: it is not valid JSON`,
    )
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new VeloxOptionsError(`VELOX_CONFIG must be a JSON object${inline ? '' : ` (in ${raw})`}`)
  }
  const { $schema: _, ...options } = config as Record<string, unknown>
  try {
    checkKnownKeys(options, OPTIONS_SCHEMA)
  } catch (error) {
    throw new VeloxOptionsError(`VELOX_CONFIG: ${(error as Error).message}`)
  }
  return options
}

/**
 * Reads the options from the environment: `VELOX_CONFIG` first, then every documented variable
 * over it (unset or empty variables keep the defaults). A bad value throws a VeloxOptionsError
 * naming the variable.
 *
 * @example
 * const gateway = createGateway({ ...fromEnv(), logger })
 */
export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const config = env.VELOX_CONFIG ? readConfig(env.VELOX_CONFIG) : {}
  const options = structuredClone(config)
  const upstreamVariables: string[] = []
  for (const variable of ENV_VARIABLES) {
    const raw = env[variable.name]
    if (raw === undefined || raw === '') continue
    if (variable.path.startsWith('upstream.')) upstreamVariables.push(variable.name)
    setPath(options, variable, parseVariable(variable, raw))
  }
  if (upstreamVariables.length > 0 && config.upstreams !== undefined) {
    throw new VeloxOptionsError(
      `${upstreamVariables.join(', ')} set the single upstream, but VELOX_CONFIG lists upstreams: put these settings in the list`,
    )
  }
  return options
}
