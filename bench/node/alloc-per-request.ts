/**
 * Objects and bytes the gateway's own code allocates per request, counted by V8's sampling heap
 * profiler with a 1-byte interval (so every allocation is sampled) and collected objects kept:
 * a sample counts when the allocating function is in the core's source directory (allocations
 * inside undici or node:http are theirs, and the same before and after a change to the core).
 * One process: an upstream that answers a fixed chat completion, the gateway on node:http, and an
 * undici client, all on 127.0.0.1 port 0.
 *
 * Usage: node --import tsx bench/node/alloc-per-request.ts [path/to/core/src/index.ts] [requests]
 * Prints one JSON line: { core, requests, mode, objectsPerRequest, bytesPerRequest, top }.
 * Compare two versions of the core with compare-cores.ts, which runs this once per core.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Pool } from 'undici'
import { chatBody } from '../lib/bodies.js'

const entry = resolve(
  process.argv[2] || fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)),
)
const REQUESTS = Number(process.argv[3] ?? 2000)
const CONCURRENCY = 8
const coreDir = dirname(entry)

const REPLY = JSON.stringify({
  id: 'chatcmpl-alloc',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
})

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler)
  return new Promise<{ server: typeof server; url: string }>((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  )
}

const { createGateway } = (await import(pathToFileURL(entry).href)) as typeof import('@velox/core')
const upstream = await listen((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(REPLY) })
    res.end(REPLY)
  })
})
const gateway = createGateway({ upstream: { origin: upstream.url } })
const proxy = await listen((req, res) => gateway.handle(req, res))
const client = new Pool(proxy.url, { connections: CONCURRENCY })
const json = JSON.parse(chatBody(4 * 1024, 8).toString())
const body = Buffer.from(JSON.stringify({ ...json, stream: false }))

async function run(n: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next++ < n) {
      const { statusCode, body: response } = await client.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-alloc' },
        body,
      })
      await response.arrayBuffer()
      if (statusCode !== 200) throw new Error(`status ${statusCode}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: ProfileNode[]
}

await run(REQUESTS) // warm-up: JIT, connections, the buffer pool
const session = new Session()
session.connect()
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
})
await run(REQUESTS)
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
  profile: { head: ProfileNode; samples: Array<{ size: number; nodeId: number }> }
}
session.disconnect()

const nodes = new Map<number, ProfileNode>()
const walk = (node: ProfileNode): void => {
  nodes.set(node.id, node)
  for (const child of node.children ?? []) walk(child)
}
walk(profile.head)
let objects = 0
let bytes = 0
let allBytes = 0
const bySite = new Map<string, number>()
for (const sample of profile.samples) {
  allBytes += sample.size
  const frame = nodes.get(sample.nodeId)?.callFrame
  // ES modules report file URLs, modules loaded as CommonJS (under node_modules) plain paths.
  const path = frame?.url.startsWith('file://') ? fileURLToPath(frame.url) : frame?.url
  if (frame === undefined || path === undefined || !path.startsWith(coreDir)) continue
  objects++
  bytes += sample.size
  const site = `${path.slice(coreDir.length + 1)}:${frame.lineNumber + 1} ${frame.functionName || '(anonymous)'}`
  bySite.set(site, (bySite.get(site) ?? 0) + 1)
}
const top = [...bySite]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.TOP ?? 12))
  .map(([site, n]) => `${(n / REQUESTS).toFixed(2)} ${site}`)

await client.close()
await gateway.close()
proxy.server.close()
upstream.server.close()
console.log(
  JSON.stringify({
    core: entry,
    requests: REQUESTS,
    mode: 'JSON, 4 KB chat request, non-stream, no limiter, no listeners',
    objectsPerRequest: objects / REQUESTS,
    bytesPerRequest: bytes / REQUESTS,
    // Everything the process allocated (client, undici, node:http included): a change to the core
    // shows here too, whatever frame V8 attributes an inlined allocation to.
    allObjectsPerRequest: profile.samples.length / REQUESTS,
    allBytesPerRequest: allBytes / REQUESTS,
    top,
  }),
)
