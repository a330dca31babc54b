// Writes dist/options.schema.json from the options schema (src/config/schema.ts), after tsup, so
// the package publishes `@velox/core/options.schema.json` for editors and VELOX_CONFIG files.
import { mkdirSync, writeFileSync } from 'node:fs'
import { publishedSchema } from '../src/config/reference.js'
import { OPTIONS_SCHEMA } from '../src/config/schema.js'

const out = new URL('../dist/options.schema.json', import.meta.url)
mkdirSync(new URL('.', out), { recursive: true })
writeFileSync(out, `${JSON.stringify(publishedSchema(OPTIONS_SCHEMA), null, 2)}\n`)
