/**
 * Embeds sections of bench/RESULTS.md in a page: `<!--@results: Targets-->` is replaced, before
 * the page is parsed, by the section under the heading that starts with "Targets" (any level; up
 * to the next heading of the same or a higher level), without the heading line itself, so the page
 * keeps its own heading structure (no second H1, no second "Targets"). Every number the docs show
 * comes from the file bench/run.ts writes; a name that matches no heading fails the build.
 */
import { readFileSync } from 'node:fs'

const RESULTS = new URL('../../bench/RESULTS.md', import.meta.url)
// `<!--@results?: ...-->`: optional, for a section a newer bench/run.ts writes that the committed
// RESULTS.md may not have yet (it shows once `pnpm bench` has run).
const DIRECTIVE = /<!--@results(\?)?:\s*(.+?)\s*-->/g

/**
 * The lines under the first heading starting with `title`, to the next heading as high or higher
 * (`intro: title`: to the next heading of any level). Headings inside become level 4 and deeper,
 * so they sit under the page's own `###` sections.
 */
export function resultsSection(text: string, directive: string): string {
  const introOnly = directive.startsWith('intro:')
  const title = introOnly ? directive.slice('intro:'.length).trim() : directive
  const lines = text.split('\n')
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '').startsWith(title))
  if (start < 0) throw new Error(`bench/RESULTS.md has no heading starting with "${title}"`)
  const level = lines[start]!.indexOf(' ')
  let end = start + 1
  while (end < lines.length) {
    const m = /^(#{1,6}) /.exec(lines[end]!)
    if (m && (introOnly || m[1]!.length <= level)) break
    end++
  }
  const body = lines.slice(start + 1, end)
  const levels = body.filter((l) => /^#{1,6} /.test(l)).map((l) => l.indexOf(' '))
  const shift = levels.length > 0 ? 4 - Math.min(...levels) : 0
  return body
    .map((l) =>
      /^#{1,6} /.test(l) ? `${'#'.repeat(Math.min(6, l.indexOf(' ') + shift))}${l.slice(l.indexOf(' '))}` : l,
    )
    .join('\n')
    .trim()
}

/** The part of markdown-it this plugin touches. */
interface CoreRules {
  core: { ruler: { before(name: string, rule: string, fn: (state: { src: string }) => void): void } }
}

export function benchResults(md: CoreRules): void {
  md.core.ruler.before('normalize', 'velox-bench-results', (state) => {
    if (!state.src.includes('<!--@results')) return
    const text = readFileSync(RESULTS, 'utf8')
    state.src = state.src.replace(DIRECTIVE, (_, optional: string | undefined, title: string) => {
      try {
        return resultsSection(text, title)
      } catch (err) {
        if (optional === undefined) throw err
        return '*(not in the committed bench/RESULTS.md yet: run `pnpm bench`)*'
      }
    })
  })
}
