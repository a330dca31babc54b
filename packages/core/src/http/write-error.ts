/**
 * Writes a gateway error as an OpenAI-style JSON response. If response bytes already went out,
 * the only honest signal left is to cut the response, so the socket is destroyed.
 */
import type { ServerResponse } from 'node:http'
import type { VeloxError } from '../errors.js'

/** True for the HTTP/2 compatibility response, which forbids connection-level headers. */
function isHttp2(res: ServerResponse): boolean {
  return 'stream' in res
}

/** How an error answer is written: extra headers, the connection closed after it, the body's shape. */
export interface ErrorWriteOptions {
  readonly closeConnection?: boolean
  readonly headers?: Record<string, string> | undefined
  /** The JSON body to send instead of the OpenAI shape (an Anthropic client's, for example). */
  readonly errorBody?: object
}

export function writeError(res: ServerResponse, err: VeloxError, options: ErrorWriteOptions = {}): void {
  if (res.headersSent || res.writableEnded) {
    res.destroy()
    return
  }
  const body = JSON.stringify(options.errorBody ?? err.toJSON())
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...options.headers,
  }
  if (options.closeConnection && !isHttp2(res)) headers.connection = 'close'
  res.writeHead(err.status, headers)
  res.end(body)
}
