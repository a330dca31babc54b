/**
 * The path every request takes: read and record the body, apply the test controls in a fixed order
 * (latency, auth, the fail-first gate, faults, forced status), then route. The same handler serves
 * HTTP/1.1 and HTTP/2 through node's compatibility API.
 */
import {
  anthropicErrorType,
  authRefusal,
  errorMessage,
  isAnthropicPath,
  sendAnthropicError,
} from './anthropic/dialect.js'
import { type Controls, parseControls } from './controls.js'
import { delay } from './delay.js'
import { InvalidRequestError, statusError } from './errors.js'
import type { Exchange, NodeRequest, NodeResponse } from './exchange.js'
import type { FailureCounters } from './fail-first.js'
import { resetBeforeHeaders } from './faults.js'
import { identify } from './identity.js'
import type { ResolvedOptions } from './options.js'
import { sendError } from './reply.js'
import { route } from './routes.js'
import type { ServerFaults } from './server-faults.js'
import type { ReceivedRequest } from './types.js'

/** What the handler shares with the server that owns it. */
export interface HandlerState {
  readonly options: ResolvedOptions
  readonly received: ReceivedRequest[]
  readonly failures: FailureCounters
  /** Faults set on the server (`mock.setFaults`); absent means none. */
  readonly serverFaults?: ServerFaults
}

async function readBody(req: NodeRequest): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function sendInvalid(ex: Exchange, error: unknown, anthropic = false): Promise<void> {
  if (!(error instanceof InvalidRequestError)) throw error
  if (anthropic) return sendAnthropicError(ex, 400, error.message)
  return sendError(ex, 400, error.message, 'invalid_request_error', error.param, error.code)
}

/** True when any control asks for a failure; only then does a request count toward `x-mock-fail-first`. */
function asksToFail(controls: Controls): boolean {
  return controls.failFirst !== undefined || controls.fault !== undefined || controls.status !== undefined
}

async function handle(state: HandlerState, req: NodeRequest, res: NodeResponse): Promise<void> {
  const startedAt = performance.now()
  // 'close' fires when the client goes away and when close() destroys the socket: pending delays and
  // streams stop on it, so no timer outlives its request.
  const aborted = new AbortController()
  res.once('close', () => aborted.abort())

  let body: Buffer
  try {
    body = await readBody(req)
  } catch {
    return // the client went away while sending
  }
  const method = req.method ?? 'GET'
  const target = req.url ?? '/'
  state.received.push({ method, path: target, headers: req.headers, body, httpVersion: req.httpVersion })

  const identity = identify(target, body)
  let controls: Controls
  try {
    controls = parseControls(req.headers, state.options)
    if (state.serverFaults !== undefined) controls = state.serverFaults.apply(controls)
  } catch (error) {
    const bare = parseControls({}, state.options)
    return sendInvalid(
      {
        res,
        headers: req.headers,
        signal: aborted.signal,
        startedAt,
        identity,
        controls: bare,
        fault: undefined,
      },
      error,
      isAnthropicPath(target),
    )
  }
  const ex: Exchange = {
    res,
    headers: req.headers,
    signal: aborted.signal,
    startedAt,
    identity,
    controls,
    fault: undefined,
  }
  if (!(await delay(controls.latencyMs, ex.signal))) return

  const apiKey = state.options.apiKey
  const anthropic = isAnthropicPath(target)
  const refusal = anthropic ? authRefusal(req.headers, apiKey) : undefined
  if (refusal !== undefined) return sendAnthropicError(ex, refusal.status, refusal.message)
  if (!anthropic && apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`) {
    return sendError(
      ex,
      401,
      'Incorrect API key provided. You can find your API key in the mock upstream options.',
      'invalid_request_error',
      null,
      'invalid_api_key',
    )
  }

  if (!asksToFail(controls) || !state.failures.shouldFail(controls)) {
    return route(ex, method, target, body, state.options.models).catch((error) =>
      sendInvalid(ex, error, anthropic),
    )
  }
  if (controls.fault === 'hang') return // stays open until the client or close() ends it
  if (controls.fault === 'reset-before-headers') return resetBeforeHeaders(res)
  const failing: Exchange = { ...ex, fault: controls.fault }
  // fail-first with neither a status nor a fault must still fail: 500 is the default.
  const status = controls.status ?? (controls.fault === undefined ? 500 : undefined)
  if (status === undefined) {
    return route(failing, method, target, body, state.options.models).catch((error) =>
      sendInvalid(failing, error, anthropic),
    )
  }
  const headers: Record<string, string> =
    controls.retryAfter === undefined ? {} : { 'retry-after': controls.retryAfter }
  if (anthropic)
    return sendAnthropicError(failing, status, errorMessage(anthropicErrorType(status), status), headers)
  const error = statusError(status)
  return sendError(failing, status, error.message, error.type, null, error.code, headers)
}

/**
 * Builds the `(req, res)` listener of the mock server.
 *
 * @example
 * http.createServer(createHandler({ options: resolveOptions(), received: [], failures: new FailureCounters() }))
 */
export function createHandler(state: HandlerState): (req: NodeRequest, res: NodeResponse) => void {
  return (req, res) => {
    handle(state, req, res).catch(() => {
      // A bug, or a write on a dead socket: never leave the client waiting.
      if (res.headersSent) {
        res.destroy()
        return
      }
      const body =
        '{"error":{"message":"Mock upstream internal error.","type":"server_error","param":null,"code":null}}'
      res.writeHead(500, { 'content-type': 'application/json', 'content-length': String(body.length) })
      res.end(body)
    })
  }
}
