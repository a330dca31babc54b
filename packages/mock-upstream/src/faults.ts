/**
 * Transport faults: the ways a real upstream breaks that a gateway must survive. HTTP/1.1 faults act on the
 * socket; HTTP/2 ones reset only the stream (RST_STREAM), as a real h2 server would, and leave the session up.
 */
import { constants, Http2ServerResponse } from 'node:http2'
import { TLSSocket } from 'node:tls'
import type { NodeResponse } from './exchange.js'

/** Aborts before any response byte: a TCP RST on HTTP/1.1, RST_STREAM(INTERNAL_ERROR) on HTTP/2. */
export function resetBeforeHeaders(res: NodeResponse): void {
  if (res instanceof Http2ServerResponse) {
    res.stream.close(constants.NGHTTP2_INTERNAL_ERROR)
    return
  }
  const socket = res.socket
  if (socket === null) return
  // resetAndDestroy needs a TCP handle; a TLS socket (HTTP/1.1 on the TLS server) can only be destroyed.
  if (socket instanceof TLSSocket) socket.destroy()
  else socket.resetAndDestroy()
}

/**
 * Ends a response in the middle of its body. On HTTP/1.1 the socket is closed without the chunked
 * terminator (a RST here could make the client's kernel drop bytes it already received), so the client
 * reads every byte written so far and then a premature close.
 */
export function cutMidStream(res: NodeResponse): void {
  if (res instanceof Http2ServerResponse) res.stream.close(constants.NGHTTP2_INTERNAL_ERROR)
  else res.socket?.destroy()
}
