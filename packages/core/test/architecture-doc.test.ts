import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('docs/guide/architecture.md', () => {
  it('names every source folder of packages/core/src', () => {
    const page = readFileSync(new URL('../../../docs/guide/architecture.md', import.meta.url), 'utf8')
    const folders = readdirSync(new URL('../src/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
    expect(folders.length).toBeGreaterThan(10)
    expect(folders.filter((folder) => !page.includes(`| \`${folder}/\``))).toEqual([])
  })
})
