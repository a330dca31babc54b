import { createServer } from 'node:http'
import { gzipSync } from 'node:zlib'
import { createGateway } from '@velox/core'
import { veloxMiddleware } from '@velox/express'
import { createMockUpstream } from '@velox/mock-upstream'
import { listen, send } from '@velox/test-utils'
import express from 'express'
import { expect, it } from 'vitest'

// Regression: after express.json() inflated a gzip body, the gateway forwarded the plain bytes
// still labelled `content-encoding: gzip`, which an upstream cannot read.
it('drops Content-Encoding when a body parser already decoded the body', async () => {
  const mock = await createMockUpstream()
  const gateway = createGateway({ upstream: { origin: mock.url } })
  const app = express()
  app.use(express.json())
  app.use(veloxMiddleware(gateway))
  const server = await listen(createServer(app))
  try {
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'zipped' }] }
    const res = await send(`${server.url}/v1/chat/completions`, {
      body: gzipSync(JSON.stringify(chat)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    expect(res.status).toBe(200)
    expect(mock.received[0]!.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(mock.received[0]!.body.toString())).toEqual(chat)
  } finally {
    await server.close()
    await gateway.close()
    await mock.close()
  }
})

// Regression: a raw body kept by express.raw() was scanned as JSON whatever its Content-Type,
// so an upload to a non-JSON endpoint behind express.raw() got a 400.
it('forwards a raw non-JSON body kept by express.raw() without scanning it', async () => {
  const mock = await createMockUpstream()
  const gateway = createGateway({ upstream: { origin: mock.url } })
  const app = express()
  app.use(express.raw({ type: '*/*' }))
  app.use(veloxMiddleware(gateway))
  const server = await listen(createServer(app))
  try {
    const upload = '--b\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n'
    const res = await send(`${server.url}/v1/files`, {
      body: upload,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    })
    expect(res.status).toBe(404) // the mock has no /v1/files: what matters is that it got there
    expect(mock.received[0]!.path).toBe('/v1/files')
    expect(mock.received[0]!.body.toString()).toBe(upload)
  } finally {
    await server.close()
    await gateway.close()
    await mock.close()
  }
})
