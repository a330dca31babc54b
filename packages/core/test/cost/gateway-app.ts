/**
 * The gateway the cost and cache tests drive: a real node:http server on 127.0.0.1 port 0 in front
 * of one @velox/mock-upstream, its usage events collected, all of it closed after the file.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import OpenAI from 'openai'
import { afterAll, beforeAll } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway.js'
import type { VeloxOptions } from '../../src/options.js'
import type { UsageEvent } from '../../src/telemetry/usage-event.js'

export interface GatewayApp {
  gateway: Gateway
  url: string
  events: UsageEvent[]
}

/** Starts the mock before the file's tests and closes everything after; returns the factory. */
export function gatewayApps(): {
  mock(): MockUpstream
  app(options: VeloxOptions): Promise<GatewayApp>
  /** Runs `close` after the file, before what was registered earlier (gateways made before it). */
  afterFile(close: () => unknown): void
} {
  let mock: MockUpstream
  const closers: Array<() => unknown> = []
  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await mock.close()
  })
  return {
    mock: () => mock,
    afterFile: (close) => closers.push(close),
    async app(options) {
      const gateway = createGateway({ upstream: { origin: mock.url }, ...options })
      const events: UsageEvent[] = []
      gateway.on('usage', (e) => events.push(e))
      const server = createServer((req, res) => gateway.handle(req, res))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      closers.push(
        () => new Promise((resolve) => server.close(resolve)),
        () => gateway.close(),
      )
      return { gateway, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events }
    },
  }
}

/** The official SDK against a gateway, never retrying (every request is counted). */
export const sdk = (url: string, apiKey: string) =>
  new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 })
