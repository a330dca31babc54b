/**
 * A raw HTTP/1.1 client for the ingress stress test: it controls how a body is cut into writes,
 * whether it is chunked, and when the client walks away (mid-body, mid-response).
 */
import { type Agent, type IncomingMessage, request } from 'node:http'

export interface RawExchange {
  status: number
  headers: IncomingMessage['headers']
  body: Buffer
  /** The response ended before its end (the socket was cut or we left). */
  cut: boolean
}

export interface SendPlan {
  path: string
  headers: Record<string, string>
  body: Buffer
  /** Where to cut the body into writes (offsets, ascending); none: one write. */
  cuts?: number[]
  /** Send Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean
  /** Leave after this many body bytes were written (never ending the request), once `abortWhen` resolves. */
  abortAfterBodyBytes?: number
  /** Leave once the first response bytes arrived. */
  abortAfterFirstBytes?: boolean
  /** With abortAfterBodyBytes: leave when this resolves. Alone: leave when it resolves after the body was sent. */
  abortWhen?: () => Promise<void>
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

export function sendPlan(origin: string, agent: Agent, plan: SendPlan): Promise<RawExchange> {
  const url = new URL(origin)
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...plan.headers }
    if (!plan.chunked) headers['content-length'] = String(plan.body.length)
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: plan.path,
      headers,
      agent,
    })
    let settled = false
    let status = 0
    let responseHeaders: IncomingMessage['headers'] = {}
    const chunks: Buffer[] = []
    const done = (cut: boolean) => {
      if (settled) return
      settled = true
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks), cut })
    }
    const leave = () => {
      req.destroy()
      done(true)
    }
    req.on('error', (err) => (settled ? undefined : status === 0 && !isAbort(err) ? reject(err) : done(true)))
    req.on('response', (res) => {
      status = res.statusCode ?? 0
      responseHeaders = res.headers
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (plan.abortAfterFirstBytes) leave()
      })
      res.on('end', () => done(false))
      res.on('aborted', () => done(true))
      res.on('error', () => done(true))
      res.on('close', () => done(!res.complete))
    })
    void (async () => {
      const cuts = [...(plan.cuts ?? []), plan.body.length]
      let from = 0
      for (const to of cuts) {
        if (settled) return
        if (plan.abortAfterBodyBytes !== undefined && to >= plan.abortAfterBodyBytes) {
          req.write(plan.body.subarray(from, plan.abortAfterBodyBytes))
          await plan.abortWhen?.()
          return leave()
        }
        if (to > from) req.write(plan.body.subarray(from, to))
        from = to
        await tick()
      }
      req.end()
      if (plan.abortAfterBodyBytes === undefined && plan.abortWhen) {
        await plan.abortWhen()
        leave()
      }
    })()
  })
}

function isAbort(err: Error): boolean {
  const code = (err as { code?: string }).code
  return (
    code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'EPIPE' || err.message === 'socket hang up'
  )
}
