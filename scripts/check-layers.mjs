// Fails (exit 1) when packages/core/src breaks one of two structural rules the request path relies
// on (docs/guide/architecture.md):
//   1. no import cycle between its modules, type-only imports and re-exports included;
//   2. no import cycle between its folders either (egress/, limit/, stages/...: each folder's imports go
//      one way); the files at the root of src/ (errors, options, the gateway, the entry points) are
//      left out of this one: they are both the base (errors, options) and the top (gateway);
//   3. no function, method, constructor or arrow function with more than 5 parameters (pass an object).
// Biome's noImportCycles ignores type imports, so this walks the TypeScript syntax tree itself.
// Run by `pnpm lint`. Usage: node scripts/check-layers.mjs [srcDir]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const MAX_PARAMS = 5
const root = resolve(process.argv[2] ?? 'packages/core/src')

function sourceFiles(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The file a relative specifier names ('./x.js' -> ./x.ts), or undefined for a package. */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith('.')) return undefined
  const base = resolve(dirname(from), specifier)
  for (const candidate of [base.replace(/\.(c|m)?js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

const files = sourceFiles(root)
const graph = new Map()
const problems = []

for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const deps = new Set()
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const target = resolveSpecifier(file, node.moduleSpecifier.text)
      if (target !== undefined) deps.add(target)
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const target = resolveSpecifier(file, node.argument.literal.text)
      if (target !== undefined) deps.add(target)
    }
    if (ts.isFunctionLike(node) && node.parameters !== undefined) {
      const params = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
      if (params.length > MAX_PARAMS) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart())
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)'
        problems.push(
          `${relative(process.cwd(), file)}:${line + 1}: ${name} takes ${params.length} parameters (at most ${MAX_PARAMS}: pass an object)`,
        )
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  graph.set(file, [...deps])
}

// Tarjan's strongly connected components: any component of more than one node is a cycle.
function findCycles(graph, name, report) {
  let index = 0
  const indices = new Map()
  const lowlink = new Map()
  const stack = []
  const onStack = new Set()
  function strongConnect(v) {
    indices.set(v, index)
    lowlink.set(v, index)
    index++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strongConnect(w)
        lowlink.set(v, Math.min(lowlink.get(v), lowlink.get(w)))
      } else if (onStack.has(w)) lowlink.set(v, Math.min(lowlink.get(v), indices.get(w)))
    }
    if (lowlink.get(v) === indices.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      const selfLoop = (graph.get(v) ?? []).includes(v)
      if (component.length > 1 || selfLoop) problems.push(`${report}: ${component.map(name).join(' <-> ')}`)
    }
  }
  for (const node of graph.keys()) if (!indices.has(node)) strongConnect(node)
}

findCycles(graph, (f) => relative(root, f), 'import cycle')

const folders = new Map()
for (const [file, deps] of graph) {
  const from = dirname(file)
  if (from === root) continue
  if (!folders.has(from)) folders.set(from, new Set())
  for (const dep of deps) {
    const to = dirname(dep)
    if (to !== root && to !== from) folders.get(from).add(to)
  }
}
findCycles(
  new Map([...folders].map(([k, v]) => [k, [...v]])),
  (d) => `${relative(root, d)}/`,
  'folders import each other',
)

if (problems.length > 0) {
  for (const p of problems) console.error(p)
  console.error(`check-layers: ${problems.length} problem(s) in ${relative(process.cwd(), root) || '.'}`)
  process.exit(1)
}
console.log(`check-layers: ${files.length} files, no import cycle, no function over ${MAX_PARAMS} parameters`)
