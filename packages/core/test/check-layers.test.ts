import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

// scripts/check-layers.mjs runs in `pnpm lint`: these pin that it fails on what it must.
const script = fileURLToPath(new URL('../../../scripts/check-layers.mjs', import.meta.url))
const dirs: string[] = []

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'velox-layers-'))
  dirs.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

function check(root: string): { code: number; output: string } {
  try {
    return {
      code: 0,
      output: execFileSync(process.execPath, [script, root], { encoding: 'utf8', stdio: 'pipe' }),
    }
  } catch (err) {
    const e = err as { status: number; stderr: string }
    return { code: e.status, output: e.stderr }
  }
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('scripts/check-layers.mjs', () => {
  it('passes packages/core/src', () => {
    expect(check(fileURLToPath(new URL('../src', import.meta.url))).code).toBe(0)
  })

  it('fails on an import cycle made of type imports only', () => {
    const root = tree({
      'a/one.ts': "import type { Two } from '../b/two.js'\nexport type One = Two | 1\n",
      'b/two.ts': "import type { One } from '../a/one.js'\nexport type Two = { one: One }\n",
    })
    const { code, output } = check(root)
    expect(code).toBe(1)
    expect(output).toContain('import cycle: ')
    expect(output).toContain('a/one.ts')
    expect(output).toContain('b/two.ts')
  })

  it('fails when two folders import each other, even without a file cycle', () => {
    const root = tree({
      'a/one.ts': "import type { Two } from '../b/two.js'\nexport type One = Two\n",
      'a/three.ts': 'export type Three = 3\n',
      'b/two.ts': 'export type Two = 2\n',
      'b/four.ts': "import type { Three } from '../a/three.js'\nexport type Four = Three\n",
    })
    const { code, output } = check(root)
    expect(code).toBe(1)
    expect(output).toContain('folders import each other: ')
    expect(output).not.toContain('import cycle: ')
  })

  it('fails on a function, a method or a constructor with more than 5 parameters', () => {
    const root = tree({
      'x.ts': [
        'export function six(a: 1, b: 2, c: 3, d: 4, e: 5, f: 6): void {}',
        'export class K {',
        '  constructor(a: 1, b: 2, c: 3, d: 4, e: 5, f: 6) {}',
        '  m(a: 1, b: 2, c: 3, d: 4, e: 5, f: 6): void {}',
        '}',
        'export const five = (a: 1, b: 2, c: 3, d: 4, e: 5): void => {}',
        '',
      ].join('\n'),
    })
    const { code, output } = check(root)
    expect(code).toBe(1)
    expect(output.match(/takes 6 parameters/g)).toHaveLength(3)
    expect(output).toContain('x.ts:1: six takes 6 parameters')
  })
})
