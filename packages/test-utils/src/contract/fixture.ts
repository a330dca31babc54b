/**
 * The shared fixture of the contract suite: one mock upstream, one gateway in front of it, the
 * adapter's app around that gateway, and a factory for extra apps with other options (all closed
 * after the suite).
 */
import { createGateway, type Gateway, type VeloxOptions } from '@velox/core'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import type { Harness, MakeHarness } from '../harness.js'

export const UPSTREAM_KEY = 'sk-upstream-secret-0123456789'
export const MAX_BODY_BYTES = 1024 * 1024 // 1 MiB

export interface ContractFixture {
  mock: MockUpstream
  gateway: Gateway
  app: Harness
  /** An app around a new gateway to `mock` (or `options.upstream`), closed after the suite. */
  appWith(options: VeloxOptions, bodyParserFirst?: boolean): Promise<{ app: Harness; gateway: Gateway }>
}

export function gatewayOptions(mock: MockUpstream, extra: VeloxOptions = {}): VeloxOptions {
  return {
    maxBodyBytes: MAX_BODY_BYTES,
    models: ['gpt-4o*', 'text-embedding-*'],
    ...extra,
    upstream: { origin: mock.url, apiKey: UPSTREAM_KEY, connections: 4, ...extra.upstream },
  }
}

export function useContractFixture(makeHarness: MakeHarness): ContractFixture {
  const closers: Array<() => Promise<void>> = []
  const fixture = {} as ContractFixture

  beforeAll(async () => {
    fixture.mock = await createMockUpstream()
    closers.push(() => fixture.mock.close())
    fixture.appWith = async (options, bodyParserFirst = false) => {
      const gateway = createGateway(options)
      const app = await makeHarness({ gateway, bodyParserFirst })
      closers.push(
        () => app.close(),
        () => gateway.close(),
      )
      return { app, gateway }
    }
    const main = await fixture.appWith(gatewayOptions(fixture.mock))
    fixture.app = main.app
    fixture.gateway = main.gateway
  })

  beforeEach(() => fixture.mock.reset())

  afterAll(async () => {
    for (const close of closers.reverse()) await close()
  })

  return fixture
}
