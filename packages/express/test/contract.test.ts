import { createServer } from 'node:http'
import { veloxMiddleware } from '@velox/express'
import { listen, runAdapterContract } from '@velox/test-utils'
import express from 'express'

runAdapterContract(
  'express',
  async ({ gateway, bodyParserFirst }) => {
    const app = express()
    if (bodyParserFirst) app.use(express.json())
    app.use(veloxMiddleware(gateway))
    if (!bodyParserFirst) app.use(express.json())
    app.get('/health', (_req, res) => {
      res.json({ ok: true })
    })
    app.post('/api/echo', (req, res) => {
      res.json(req.body)
    })
    return listen(createServer(app))
  },
  { afterBodyParser: 'reserialized' },
)
