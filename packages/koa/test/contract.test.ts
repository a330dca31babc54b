import { createServer } from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import { veloxMiddleware } from '@velox/koa'
import { listen, type MakeHarness, runAdapterContract } from '@velox/test-utils'
import Koa from 'koa'
import koaBodyParser from 'koa-bodyparser'

/** The harness app, with either of the two Koa body parsers people use. */
function harness(makeParser: () => Koa.Middleware): MakeHarness {
  return async ({ gateway, bodyParserFirst }) => {
    const app = new Koa()
    if (bodyParserFirst) app.use(makeParser())
    app.use(veloxMiddleware(gateway))
    if (!bodyParserFirst) app.use(makeParser())
    app.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path === '/health') ctx.body = { ok: true }
      else if (ctx.method === 'POST' && ctx.path === '/api/echo') ctx.body = ctx.request.body
      else await next()
    })
    return listen(createServer(app.callback()))
  }
}

runAdapterContract(
  'koa with koa-bodyparser',
  harness(() => koaBodyParser()),
  {
    afterBodyParser: 'byte-exact',
  },
)
runAdapterContract(
  'koa with @koa/bodyparser',
  harness(() => bodyParser()),
  {
    afterBodyParser: 'byte-exact',
  },
)
