// Rewrites the options table in docs/reference/options.md from the options schema
// (src/config/schema.ts). test/options-schema.test.ts fails while the page is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { referenceTable } from '../src/config/reference.js'
import { OPTIONS_SCHEMA } from '../src/config/schema.js'

export const START = '<!-- options-table:start (pnpm docs:options writes this table) -->'
export const END = '<!-- options-table:end -->'

const page = new URL('../../../docs/reference/options.md', import.meta.url)
const text = readFileSync(page, 'utf8')
const from = text.indexOf(START)
const to = text.indexOf(END)
if (from === -1 || to === -1)
  throw new Error(`docs/reference/options.md needs the markers ${START} and ${END}`)
writeFileSync(
  page,
  `${text.slice(0, from + START.length)}\n${referenceTable(OPTIONS_SCHEMA)}\n${text.slice(to)}`,
)
