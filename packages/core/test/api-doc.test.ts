/**
 * docs/reference/api.md covers every public export of @velox/core: the names are read from
 * src/index.ts (types included, which a runtime import cannot list), and each must appear on the
 * page in backticks. A new export without a word in the docs fails here.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

function exportedNames(source: string): string[] {
  const names: string[] = []
  for (const [, list] of source.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1)!
      if (name) names.push(name)
    }
  }
  for (const [, name] of source.matchAll(/export (?:const|function|class|interface|type) (\w+)/g))
    names.push(name!)
  return [...new Set(names)].sort()
}

describe('docs/reference/api.md', () => {
  const names = exportedNames(read('../src/index.ts'))
  const page = read('../../../docs/reference/api.md')

  it('finds the exports (the parser still reads index.ts)', () => {
    expect(names).toContain('createGateway')
    expect(names).toContain('VeloxOptions')
  })

  it.each(names)('documents %s', (name) => {
    expect(page).toMatch(new RegExp(`\`${name}[\`(]`))
  })
})
