/**
 * The checks every options module shares. Each throws a VeloxOptionsError whose message names the
 * field and shows the value (never for secrets: callers pass a placeholder for those).
 */
import { VeloxOptionsError } from './errors.js'

export function fail(field: string, expected: string, value: unknown): never {
  throw new VeloxOptionsError(`${field} must be ${expected} (got ${JSON.stringify(value) ?? String(value)})`)
}

export function integer(field: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(field, min === 0 ? 'a non-negative integer' : `an integer >= ${min}`, value)
  }
  return value
}

export function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(field, 'a boolean', value)
  return value
}

export function path(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    fail(field, 'a path starting with "/" (no query, no spaces)', value)
  }
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value
}

export function object(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value)
  return value as Record<string, unknown>
}

export function origin(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    fail(field, 'an absolute http(s) URL', value)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    fail(field, 'an http(s) URL without credentials', value)
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    fail(field, 'an origin only (put the path in basePath)', value)
  }
  return url.origin
}

/** Turns `gpt-4o*` into an anchored RegExp; `*` matches any run of characters. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}
