// The built docs site, checked in a real browser: `vitepress preview` on 127.0.0.1 and headless
// Chromium (the Debian package; no browser download) driven over the DevTools protocol with a
// small client on `ws`. Every page must load with no console error, no uncaught exception and no
// failed resource (the favicon 404 was one); every internal link and #anchor must resolve; no
// table may be wider than the content column at 1400 px; local search must find a page by a word
// from its body. Prints what failed and exits 1, so CI fails. Run after `pnpm docs:build`.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const docs = fileURLToPath(new URL('..', import.meta.url))
const dist = join(docs, '.vitepress', 'dist')
const CHROMIUM = process.env.CHROMIUM ?? 'chromium'
// A word from a page's body (not its title), and the page search must offer for it.
const SEARCHES = [
  { word: 'bumpalo', page: '/guide/performance' },
  { word: 'EADDRINUSE', page: null }, // a word no page has: search must find nothing, not everything
  { word: 'encapsulation', page: '/guide/hosts/fastify' },
]
const DEADLINE_MS = 240_000

const failures = []
const fail = (where, what) => failures.push(`${where}: ${what}`)
const children = []
const stopAll = () =>
  Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      return exited
    }),
  )
const overall = setTimeout(() => {
  console.error(`docs check: gave up after ${DEADLINE_MS / 1000} s`)
  stopAll()
  process.exit(1)
}, DEADLINE_MS)

/** A free TCP port on 127.0.0.1 (vitepress preview takes a fixed port). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts a child and resolves with the first match of `pattern` in its output. */
function start(command, args, pattern, cwd) {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk) => {
      seen += chunk
      const m = pattern.exec(seen)
      if (m) resolve(m)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${seen}`)))
    child.once('error', reject)
  })
}

/** The smallest DevTools protocol client: one socket, flat sessions, events by method. */
class Cdp {
  constructor(url) {
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.nextId = 1
    this.pending = new Map()
    this.listeners = new Set()
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString())
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id)
        this.pending.delete(msg.id)
        if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`))
        else p?.resolve(msg.result)
      } else for (const listener of this.listeners) listener(msg)
    })
  }
  open() {
    return new Promise((resolve, reject) => {
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
    })
  }
  send(method, params = {}, sessionId) {
    const id = this.nextId++
    this.ws.send(JSON.stringify({ id, method, params, sessionId }))
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }))
  }
  /** Resolves with the first event `method` of `sessionId` (within `ms`). */
  once(method, sessionId, ms = 30_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new Error(`no ${method} within ${ms} ms`))
      }, ms)
      const listener = (msg) => {
        if (msg.method !== method || msg.sessionId !== sessionId) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve(msg.params)
      }
      this.listeners.add(listener)
    })
  }
  close() {
    this.ws.close()
  }
}

/** Every page of the built site, as the clean URL the site links to. */
function pages() {
  const out = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && entry.name !== 'assets') walk(path)
      else if (entry.name.endsWith('.html') && entry.name !== '404.html') {
        const url = `/${relative(dist, path)}`.replace(/\.html$/, '').replace(/(^|\/)index$/, '/')
        out.push(url.replace(/\/\/$/, '/'))
      }
    }
  }
  walk(dist)
  return out.sort()
}

const log = (line) => process.env.DOCS_CHECK_VERBOSE && console.log(`docs check: ${line}`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function main() {
  const port = await freePort()
  await start(
    process.execPath,
    [
      '--import',
      './scripts/loopback.mjs',
      join('node_modules', 'vitepress', 'bin', 'vitepress.js'),
      'preview',
      '.',
      '--port',
      String(port),
    ],
    /served at http:\/\/\S+/,
    docs,
  )
  log(`vitepress preview on 127.0.0.1:${port}`)
  const origin = `http://127.0.0.1:${port}`
  const profile = mkdtempSync(join(tmpdir(), 'velox-docs-chromium-'))
  try {
    const [, browserUrl] = await start(
      CHROMIUM,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--remote-debugging-address=127.0.0.1',
        '--remote-debugging-port=0',
        `--user-data-dir=${profile}`,
        'about:blank',
      ],
      /DevTools listening on (ws:\/\/\S+)/,
    )
    log(`chromium at ${browserUrl}`)
    const cdp = new Cdp(browserUrl)
    await cdp.open()
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' })
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true })
    const s = (method, params) => cdp.send(method, params, sessionId)
    let current = '(start)'
    cdp.listeners.add((msg) => {
      if (msg.sessionId !== sessionId) return
      const p = msg.params
      if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
        fail(current, `console.${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`)
      else if (msg.method === 'Runtime.exceptionThrown')
        fail(current, `uncaught: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`)
      else if (msg.method === 'Log.entryAdded' && p.entry.level === 'error')
        fail(current, `${p.entry.text}${p.entry.url ? ` (${p.entry.url})` : ''}`)
      else if (msg.method === 'Network.responseReceived' && p.response.status >= 400)
        fail(current, `HTTP ${p.response.status} for ${p.response.url}`)
    })
    await Promise.all([
      s('Page.enable'),
      s('Runtime.enable'),
      s('Log.enable'),
      s('Network.enable'),
      s('Emulation.setDeviceMetricsOverride', {
        width: 1400,
        height: 900,
        deviceScaleFactor: 1,
        mobile: false,
      }),
    ])
    const evaluate = async (expression) => {
      const { result, exceptionDetails } = await s('Runtime.evaluate', {
        expression,
        returnByValue: true,
        awaitPromise: true,
      })
      if (exceptionDetails) throw new Error(`${expression.slice(0, 60)}: ${exceptionDetails.text}`)
      return result.value
    }
    const visit = async (path) => {
      current = path
      const loaded = cdp.once('Page.loadEventFired', sessionId)
      await s('Page.navigate', { url: origin + path })
      await loaded
      await sleep(300) // hydration: Vue mounts after load
    }

    const all = pages()
    const anchors = new Map() // page -> Set of ids
    const links = [] // { from, path, hash, text }
    for (const path of all) {
      log(`page ${path}`)
      await visit(path)
      const seen = await evaluate(`(() => {
        const ids = [...document.querySelectorAll('[id]')].map((e) => e.id)
        const links = [...document.querySelectorAll('a[href]')]
          .map((a) => ({ href: a.href, text: a.textContent.trim().slice(0, 40) }))
          .filter((l) => l.href.startsWith(location.origin))
        const wide = [...document.querySelectorAll('.vp-doc table')]
          .filter((t) => t.scrollWidth > t.parentElement.clientWidth + 1 || t.scrollWidth > t.clientWidth + 1)
          .map((t) => (t.querySelector('th')?.textContent ?? '?') + ' (' + t.scrollWidth + ' px in ' + t.parentElement.clientWidth + ')')
        return { title: document.title, h1: document.querySelectorAll('h1').length, ids, links, wide }
      })()`)
      anchors.set(path, new Set(seen.ids))
      if (seen.h1 !== 1 && path !== '/') fail(path, `${seen.h1} <h1> elements (want 1)`)
      for (const table of seen.wide) fail(path, `table wider than the column at 1400 px: ${table}`)
      for (const link of seen.links) {
        const url = new URL(link.href)
        links.push({
          from: path,
          path: url.pathname,
          hash: decodeURIComponent(url.hash.slice(1)),
          text: link.text,
        })
      }
    }
    const known = new Set(all)
    for (const { from, path, hash, text } of links) {
      const page = path.replace(/\.html$/, '')
      if (!known.has(page)) {
        if (!/\.[a-z0-9]+$/i.test(page)) fail(from, `link "${text}" to ${path}: no such page`)
        continue
      }
      if (hash && !anchors.get(page).has(hash))
        fail(from, `link "${text}" to ${path}#${hash}: no such anchor`)
    }

    // Search: the local search box, typed into as a user would, must offer the page.
    for (const { word, page } of SEARCHES) {
      await visit('/')
      current = `search "${word}"`
      const offered = await evaluate(`(async () => {
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
        document.querySelector('.VPNavBarSearch button, #local-search button, .DocSearch-Button').click()
        let input
        for (let i = 0; i < 50 && !input; i++) { await sleep(100); input = document.querySelector('.VPLocalSearchBox input') }
        if (!input) return null
        input.value = ${JSON.stringify(word)}
        input.dispatchEvent(new Event('input', { bubbles: true }))
        // Poll (a loaded machine builds the index slowly): until the page is offered, or for a
        // word no page has, for long enough that results would have come.
        const want = ${JSON.stringify(page)}
        let hrefs = []
        for (let i = 0; i < 100; i++) {
          await sleep(100)
          hrefs = [...document.querySelectorAll('.VPLocalSearchBox .results a')].map((a) => new URL(a.href).pathname)
          if (want !== null && hrefs.some((h) => h.replace(/.html$/, '') === want)) break
          if (want === null && i >= 20) break
        }
        return hrefs
      })()`)
      if (offered === null) fail(current, 'no search box opened')
      else if (page === null && offered.length > 0) fail(current, `offered ${offered.join(', ')} (want none)`)
      else if (page !== null && !offered.some((href) => href.replace(/\.html$/, '') === page))
        fail(current, `did not offer ${page} (offered: ${offered.join(', ') || 'nothing'})`)
    }
    cdp.close()
    console.log(
      `docs check: ${all.length} pages, ${links.length} internal links, ${SEARCHES.length} searches in Chromium`,
    )
  } finally {
    await stopAll()
    rmSync(profile, { recursive: true, force: true })
  }
}

main()
  .catch((err) => fail('docs check', err.stack ?? String(err)))
  .finally(async () => {
    clearTimeout(overall)
    await stopAll()
    if (failures.length) {
      console.error(`docs check: ${failures.length} problem(s)`)
      for (const f of failures) console.error(`  ${f}`)
      process.exitCode = 1
    } else console.log('docs check: no console error, every link and anchor resolves, search works')
  })
