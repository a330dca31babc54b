/** A gateway with its sidecar on port 0, a mock upstream, and a node:http app in front of the gateway. */
import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen } from '@velox/test-utils'
import { createGateway, type Gateway, type SidecarOptions, type VeloxOptions } from '../../src/index.js'

/** The upstream key every fixture uses: tests check that it never shows up where it must not. */
export const UPSTREAM_KEY = 'sk-test-upstream-key-0123456789'

export interface SidecarFixture {
  mock: MockUpstream
  gateway: Gateway
  /** The app's URL (Velox under /v1). */
  app: string
  /** The sidecar's URL. */
  sidecar: string
  close(): Promise<void>
}

export async function startSidecarFixture(
  options: Omit<VeloxOptions, 'sidecar'> & { sidecar?: SidecarOptions } = {},
): Promise<SidecarFixture> {
  const mock = await createMockUpstream()
  const gateway = createGateway({
    ...options,
    upstream: { origin: mock.url, apiKey: UPSTREAM_KEY, ...options.upstream },
    sidecar: { port: 0, ...options.sidecar },
  })
  await gateway.ready()
  const app = await listen(createServer((req, res) => gateway.handle(req, res)))
  return {
    mock,
    gateway,
    app: app.url,
    sidecar: gateway.sidecar!.url!,
    async close() {
      await app.close()
      await gateway.close()
      await mock.close()
    },
  }
}
