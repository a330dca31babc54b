/**
 * A minimal upstream for the offload measurement, in its own process: it reads each request body
 * to its end without parsing it and answers one fixed chat completion. The mock upstream parses
 * every body (JSON.parse and SHA-256 of 16 MB take it 100+ ms), and its own stalls would then be
 * what the small requests wait for, hiding the gateway's. Prints `listening on <url>`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const REPLY = JSON.stringify({
  id: 'chatcmpl-sink',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
})

const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(REPLY) })
    res.end(REPLY)
  })
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
