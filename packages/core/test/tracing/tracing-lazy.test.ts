import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import { createGateway } from '../../src/index.js'

// Its own file, so its own process: nothing has loaded @opentelemetry/api before this test.
const loaded = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@opentelemetry/api'))

it('loads @opentelemetry/api only when tracing is set (an optional peer dependency)', async () => {
  const plain = createGateway({ upstream: { origin: 'http://127.0.0.1:9' } })
  expect(loaded()).toEqual([])
  await plain.close()
  const traced = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, tracing: true })
  expect(loaded().length).toBeGreaterThan(0)
  await traced.close()
})
