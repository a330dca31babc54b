import { createServer } from 'node:http'
import { listen } from '@velox/test-utils'
import { createGateway, type Gateway, type VeloxOptions } from '../../src/index.js'

/** A gateway behind a bare node:http server, both closed by the returned close(). */
export async function gatewayApp(
  options: VeloxOptions,
): Promise<{ url: string; gateway: Gateway; close(): Promise<void> }> {
  const gateway = createGateway(options)
  const app = await listen(createServer((req, res) => gateway.handle(req, res)))
  return {
    url: app.url,
    gateway,
    close: async () => {
      await app.close()
      await gateway.close()
    },
  }
}

export const chat = (model: string, content = 'hi') => ({ model, messages: [{ role: 'user', content }] })

export function upstreamStats(gateway: Gateway, name: string) {
  return gateway.stats().upstreams.find((u) => u.name === name)!
}
