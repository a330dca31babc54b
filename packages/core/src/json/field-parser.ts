/**
 * Which code reads the request fields: the byte scanner (the default, and the fastest measured
 * here: bench/json/extract-fields.ts; given a FieldScanner, bodies from 512 bytes get its
 * WebAssembly SIMD first pass, simd/field-scanner.ts) or the optional simdjson backend. One tiny
 * interface, so the request path makes one call either way.
 */
import { extractFields, JsonSyntaxError } from './extract-fields.js'
import { loadSimdjson, SimdjsonSyntaxError, simdjsonFields } from './simdjson.js'

export type ParserName = 'scanner' | 'simdjson'

/** What the byte scanner may read through instead of extractFields (simd/field-scanner.ts's FieldScanner). */
export interface FieldExtractor {
  extract(body: Buffer): ReturnType<typeof extractFields>
}

export interface FieldParser {
  readonly name: ParserName
  /** The fields of one JSON body. Throws (see `syntaxErrorDetail`) when the body is not JSON. */
  parse(body: Buffer): ReturnType<typeof extractFields>
}

const scanner: FieldParser = { name: 'scanner', parse: extractFields }

/**
 * A field parser by name; `'scanner'` reads through `fields` when given. `'simdjson'` loads the optional `simdjson` package now and throws a
 * VeloxOptionsError when it is not installed, so a gateway fails at creation, not on a request.
 *
 * @example
 * const parser = createFieldParser('scanner')
 * parser.parse(Buffer.from('{"model":"gpt-4o"}')).model // 'gpt-4o'
 */
export function createFieldParser(name: ParserName = 'scanner', fields?: FieldExtractor): FieldParser {
  if (name === 'scanner')
    return fields === undefined ? scanner : { name, parse: (body) => fields.extract(body) }
  const addon = loadSimdjson()
  return { name, parse: (body) => simdjsonFields(addon, body) }
}

/** What a parser's throw says about the body, or undefined when the throw was not about JSON syntax. */
export function syntaxErrorDetail(err: unknown): string | undefined {
  return err instanceof JsonSyntaxError || err instanceof SimdjsonSyntaxError ? err.message : undefined
}
