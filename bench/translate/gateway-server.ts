/**
 * The gateway under the translation load benchmark, in its own process (translate-load.ts forks
 * it): node:http + gateway.handle in front of the mock upstream, with one OpenAI-format and one
 * Anthropic-format upstream on the same mock, so that the same process serves pass-through and
 * translated requests and their CPU is compared in one run. The parent sends 'begin' and 'end'
 * over IPC; 'end' answers with the CPU time used in between (process.cpuUsage, microseconds).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGateway } from '@velox/core'

const upstream = process.argv[2]!
const CONNECTIONS = 32
const gateway = createGateway({
  upstreams: [
    { name: 'openai', origin: upstream, apiKey: 'bench', connections: CONNECTIONS },
    { name: 'claude', origin: upstream, apiKey: 'bench', auth: 'anthropic', connections: CONNECTIONS },
  ],
  routes: [
    { model: 'claude-*', upstreams: ['claude'] },
    { model: '*', upstreams: ['openai'] },
  ],
})
const server = createServer((req, res) => gateway.handle(req, res))
let cpu = process.cpuUsage()

process.on('message', (command: string) => {
  if (command === 'begin') {
    cpu = process.cpuUsage()
    process.send!(null)
  } else if (command === 'end') {
    const used = process.cpuUsage(cpu)
    process.send!({ cpuMicros: used.user + used.system })
  }
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close()
  void gateway.close()
  process.exit(0)
})
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }))
