/**
 * The dispatch floor: the least work a Node proxy can do for one request, the row Velox's own cost
 * is measured against (issue 15). node:http reads the body into one Buffer, undici's
 * Pool.dispatch sends it, and the handler writes the upstream's status, headers and body chunks
 * straight into the response: no promise, no stream, no pipeline, no header object (the raw
 * header list is copied as it is, less hop-by-hop fields). It keeps the two duties no proxy can
 * drop: undici's backpressure (pause on a full client socket, resume on `drain`) and the abort of
 * the upstream request when the client goes away (else a paused upstream connection is lost to
 * the pool for good: a load run that ends mid-stream would leave the floor fewer connections).
 * Nothing a gateway does (routing, limits, retries, usage) is here, so no gateway can be cheaper.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Pool } from 'undici'

export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
])
/** Not forwarded upstream: hop-by-hop fields, and the two undici sets itself. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length'])

/**
 * The client's request headers as undici's flat list, less hop-by-hop fields: every proxy in the
 * load tables forwards them, the mock's controls (`x-mock-chunks`) included, so all of them ask
 * the upstream for the same response.
 */
export function forwardedHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    if (!NOT_FORWARDED.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!)
  }
  return out
}

export function dispatchFloor(
  upstream: string,
  connections: number,
): (req: IncomingMessage, res: ServerResponse) => void {
  const pool = new Pool(upstream, { connections })
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let resumeUpstream: (() => void) | undefined
      let abortUpstream: ((err: Error) => void) | undefined
      res.on('drain', () => resumeUpstream?.())
      res.on('close', () => {
        if (!res.writableFinished) abortUpstream?.(new Error('client closed'))
      })
      pool.dispatch(
        {
          method: 'POST',
          path: req.url!,
          headers: forwardedHeaders(req),
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        },
        {
          onConnect(abort: (err: Error) => void) {
            abortUpstream = abort
          },
          onHeaders(status: number, raw: Buffer[], resume: () => void) {
            resumeUpstream = resume
            const headers: string[] = []
            for (let i = 0; i < raw.length; i += 2) {
              const name = raw[i]!.toString('latin1')
              if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, raw[i + 1]!.toString('latin1'))
            }
            res.writeHead(status, headers)
            return true
          },
          onData(chunk: Buffer) {
            return res.write(chunk)
          },
          onComplete() {
            res.end()
          },
          onError() {
            if (!res.headersSent) res.writeHead(502)
            res.end()
          },
        },
      )
    })
  }
}
