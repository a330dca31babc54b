/**
 * The sidecar's HTTP server (in the worker): bearer-token check, routing by exact path, GET only.
 * Every error is `{"error":{"code","message"}}` JSON with its status: 401 without the token,
 * 404 for an unknown path, 405 for another method, and what the routes add (400, 409).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

export type RouteHandler = (url: URL, res: ServerResponse) => Promise<void> | void
export type LogFn = (
  level: 'debug' | 'info' | 'warn' | 'error',
  obj: Record<string, unknown>,
  msg: string,
) => void

const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

/** Writes a complete response; the sidecar's responses are never streamed. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string | number>,
): void {
  if (res.destroyed) return
  if (res.headersSent) {
    res.destroy() // cannot change a status already sent: cutting the response is the honest signal
    return
  }
  res.writeHead(status, { ...NO_STORE, ...headers, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * @example
 * sendError(res, 409, 'profile_in_progress', 'A profile is already being taken; try again when it ends')
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify({ error: { code, message } }), {
    'content-type': 'application/json',
    ...headers,
  })
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** Constant-time comparison (of fixed-length digests, so the token's length does not leak either). */
function authorized(req: IncomingMessage, expected: Buffer | undefined): boolean {
  if (expected === undefined) return true
  const header = req.headers.authorization
  if (header === undefined || !header.startsWith('Bearer ')) return false
  return timingSafeEqual(digest(header.slice(7).trim()), expected)
}

/**
 * @example
 * const server = createSidecarServer({ token: undefined, routes: { '/metrics': serveMetrics }, log })
 * server.listen(6060, '127.0.0.1')
 */
export function createSidecarServer(options: {
  token: string | undefined
  routes: Record<string, RouteHandler>
  log: LogFn
}): Server {
  const expected = options.token === undefined ? undefined : digest(options.token)
  const routes = new Map(Object.entries(options.routes))
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sidecar')
    if (!authorized(req, expected)) {
      options.log(
        'warn',
        { method: req.method, path: url.pathname, status: 401 },
        'velox: sidecar request refused',
      )
      return sendError(res, 401, 'unauthorized', 'A valid bearer token is required', {
        'www-authenticate': 'Bearer realm="velox-sidecar"',
      })
    }
    const route = routes.get(url.pathname)
    if (route === undefined)
      return sendError(res, 404, 'not_found', `No such endpoint: ${url.pathname.slice(0, 100)}`)
    if (req.method !== 'GET') {
      return sendError(res, 405, 'method_not_allowed', 'Only GET is allowed', { allow: 'GET' })
    }
    Promise.resolve()
      .then(() => route(url, res))
      .catch((err: Error) => {
        options.log(
          'error',
          { err: { name: err.name, message: err.message } },
          'velox: sidecar request failed',
        )
        sendError(res, 500, 'internal_error', 'The sidecar failed to answer; see the application log')
      })
  })
}
