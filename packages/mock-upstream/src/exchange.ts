import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { Controls, MockFault } from './controls.js'
import type { RequestIdentity } from './identity.js'

/** The request objects node hands to the handler, over HTTP/1.1 or through the HTTP/2 compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest
export type NodeResponse = ServerResponse | Http2ServerResponse

/** What an endpoint needs to reply to one request. */
export interface Exchange {
  readonly res: NodeResponse
  /** The request headers (the Anthropic mode reads `x-mock-stream-error` from them). */
  readonly headers: IncomingHttpHeaders
  /** Aborts when the client goes away or the server closes: stop writing then. */
  readonly signal: AbortSignal
  /** performance.now() at arrival, for `openai-processing-ms`. */
  readonly startedAt: number
  readonly identity: RequestIdentity
  readonly controls: Controls
  /** The fault in force: `controls.fault`, unless `x-mock-fail-first` is used up. */
  readonly fault: MockFault | undefined
}
