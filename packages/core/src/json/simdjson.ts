/**
 * The optional `simdjson` backend (`parser: 'simdjson'`), on the npm package `simdjson` 0.9.2 (an
 * optional peer dependency the user installs, loaded only when asked for). bench/json/extract-fields.ts measures it slower than the scanner
 * on chat bodies (it needs a JS string, then builds the whole object through N-API), so it is never
 * the default; it exists for comparison and for users who want a validating C++ parser.
 *
 * The package's traps, and the guard for each:
 * - on Node 22 and 24 Node ships its own simdjson (4.x, `process.versions.simdjson`) and exports its
 *   symbols, so a plain `require` of the addon binds its calls to Node's copy: another parser runs
 *   and reports other errors (`{"a":,}` is a NUMBER_ERROR there). The addon is loaded with
 *   `process.dlopen(..., RTLD_NOW | RTLD_DEEPBIND)` so it uses its own code; where RTLD_DEEPBIND does
 *   not exist (not Linux glibc) and Node carries a simdjson, `parser: 'simdjson'` is refused;
 * - its index.js silently falls back to the global JSON (and adds `JSON.isValid`) when the addon
 *   did not compile: the compiled addon is required directly, and its absence is an options error;
 * - `lazyParse` keeps the document in native memory the GC cannot see (GBs of RSS), and
 *   `valueForKeyPath` aborts the process (SIGABRT, an uncaught std::invalid_argument) when a path
 *   meets an array, and returns the first of duplicate keys: only `parse()` is ever called;
 * - `parse()` sets object keys from C strings, so `"model\u0000"` arrives as `"model"` and could
 *   override the model the upstream sees: a body containing `\u0000` is read by the scanner instead;
 * - `parse()` assigns `__proto__` as a plain `obj[key] = value` (it replaces the prototype): only
 *   own properties are read;
 * - it is stricter than JSON.parse: nesting deeper than 1024, numbers out of double range, integer
 *   literals beyond 64 bits (`18446744073709551616`), lone surrogate escapes and raw control
 *   characters in strings are refused (400 invalid JSON).
 */
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { VeloxOptionsError } from '../errors.js'
import { type ExtractedFields, extractFields } from './extract-fields.js'

/** The compiled addon's surface that Velox uses (parse only; see the traps above). */
export interface SimdjsonAddon {
  parse(json: string): unknown
}

/** A body simdjson refused; the message is simdjson's own. */
export class SimdjsonSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimdjsonSyntaxError'
  }
}

/** What decides how the addon can be loaded; the defaults are this process's (tests pass others). */
export interface SimdjsonHost {
  /** `os.constants.dlopen.RTLD_DEEPBIND`: undefined off Linux glibc. */
  readonly deepBind: number | undefined
  /** `process.versions.simdjson`: the simdjson Node itself carries (Node 22+), or undefined. */
  readonly nodeSimdjson: string | undefined
}

const thisHost: SimdjsonHost = {
  deepBind: (constants.dlopen as Record<string, number | undefined>).RTLD_DEEPBIND,
  nodeSimdjson: process.versions.simdjson,
}

/** One load per addon file: a second dlopen of the same N-API module does not register it again. */
const loaded = new Map<string, SimdjsonAddon>()

/**
 * The dlopen flags for the addon on `host`, or a VeloxOptionsError saying why it cannot be loaded
 * safely there (Node's own simdjson would answer the addon's calls).
 */
export function simdjsonDlopenFlags(host: SimdjsonHost = thisHost): number {
  const now = (constants.dlopen as Record<string, number | undefined>).RTLD_NOW ?? 2
  if (host.deepBind !== undefined) return now | host.deepBind
  if (host.nodeSimdjson === undefined) return now
  throw new VeloxOptionsError(
    `parser: 'simdjson' cannot be used on this platform: Node ${process.version} carries its own simdjson ` +
      `${host.nodeSimdjson}, and without RTLD_DEEPBIND (Linux glibc only) the simdjson addon's calls bind to ` +
      "Node's copy, which parses differently; use the default parser: 'scanner'",
  )
}

/**
 * Loads the compiled addon of the `simdjson` package, resolved from @velox/core's own dependencies,
 * with its symbols bound to its own code (RTLD_DEEPBIND). Throws a VeloxOptionsError when the
 * package is missing, its addon was not built, or the platform cannot load it safely.
 *
 * @example
 * const addon = loadSimdjson() // throws VeloxOptionsError when not installed
 * addon.parse('{"model":"m"}')
 */
export function loadSimdjson(packageName = 'simdjson', host: SimdjsonHost = thisHost): SimdjsonAddon {
  const require = createRequire(import.meta.url)
  let root: string
  try {
    root = dirname(require.resolve(`${packageName}/package.json`))
  } catch {
    throw new VeloxOptionsError(
      `parser: 'simdjson' needs the optional peer dependency "${packageName}" (npm i ${packageName}@0.9.2), which is not installed`,
    )
  }
  const flags = simdjsonDlopenFlags(host)
  const file = join(root, 'build', 'Release', 'simdjson.node')
  const cached = loaded.get(file)
  if (cached !== undefined) return cached
  const module = { exports: {} as SimdjsonAddon }
  try {
    process.dlopen(module, file, flags)
  } catch (err) {
    throw new VeloxOptionsError(
      `parser: 'simdjson' found the package "${packageName}" but not its compiled addon ` +
        `(pnpm skips build scripts unless allowed: allowBuilds { simdjson: true }): ${(err as Error).message}`,
    )
  }
  loaded.set(file, module.exports)
  return module.exports
}

const NUL_ESCAPE = '\\u0000'
const hasOwn = Object.hasOwn

function ownValue(o: Record<string, unknown>, key: string): unknown {
  return hasOwn(o, key) ? o[key] : undefined
}

function tokenCount(value: unknown, name: string, bad: string[]): number | undefined {
  if (value === undefined || value === null) return undefined
  if (Number.isSafeInteger(value) && (value as number) >= 0) return (value as number) + 0
  bad.push(name)
  return undefined
}

/**
 * The fields of `body`, read with simdjson. modelStart/modelEnd are -1 (simdjson gives no byte
 * offsets; `spliceModel()` finds them when it needs them). Throws SimdjsonSyntaxError on bad JSON.
 */
export function simdjsonFields(addon: SimdjsonAddon, body: Buffer): ExtractedFields {
  if (body.includes(NUL_ESCAPE)) return extractFields(body)
  let value: unknown
  try {
    value = addon.parse(body.toString('utf8'))
  } catch (err) {
    throw new SimdjsonSyntaxError((err as Error).message)
  }
  return fieldsOf(value)
}

/** The fields of a parsed value, read the way the scanner reads them (own properties, null = absent). */
export function fieldsOf(value: unknown): ExtractedFields {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  const o = (isObject ? value : {}) as Record<string, unknown>
  // Checked in the scanner's order, so both name the same field first.
  const bad: string[] = []
  const string = (name: string): string | undefined => {
    const v = ownValue(o, name)
    if (v === undefined || v === null || typeof v === 'string') return (v ?? undefined) as string | undefined
    bad.push(name)
    return undefined
  }
  const model = string('model')
  const streamValue = ownValue(o, 'stream')
  let stream: boolean | undefined
  if (typeof streamValue === 'boolean') stream = streamValue
  else if (streamValue !== undefined && streamValue !== null) bad.push('stream')
  const options = ownValue(o, 'stream_options')
  let includeUsage: boolean | undefined
  let badUsage = false
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    const usage = ownValue(options as Record<string, unknown>, 'include_usage')
    if (typeof usage === 'boolean') includeUsage = usage
    else if (usage !== undefined && usage !== null) badUsage = true
  } else if (options !== undefined && options !== null) {
    bad.push('stream_options')
  }
  const maxTokens = tokenCount(ownValue(o, 'max_tokens'), 'max_tokens', bad)
  const maxCompletionTokens = tokenCount(ownValue(o, 'max_completion_tokens'), 'max_completion_tokens', bad)
  const maxOutputTokens = tokenCount(ownValue(o, 'max_output_tokens'), 'max_output_tokens', bad)
  const user = string('user')
  if (badUsage) bad.push('stream_options.include_usage')
  return {
    isObject,
    model,
    modelStart: -1,
    modelEnd: -1,
    stream,
    includeUsage,
    maxTokens,
    maxCompletionTokens,
    maxOutputTokens,
    user,
    invalidParam: bad[0],
  }
}
