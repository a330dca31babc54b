/** Small HTTP helpers for the contract suite, on undici (the same client stack users have). */
import { request as httpRequest } from 'node:http'
import { Agent, request } from 'undici'

/** A fresh agent per suite, so no keep-alive socket outlives the suite. */
export const agent = new Agent({ keepAliveTimeout: 1_000 })

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export async function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const res = await request(url, {
    dispatcher: agent,
    method: (options.method ?? (options.body === undefined ? 'GET' : 'POST')) as 'GET',
    headers: options.headers,
    body: options.body,
  })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body }
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return send(url, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  })
}

export function errorBody(code: string, message: string, type: string, param: string | null = null) {
  return { error: { message, type, param, code } }
}

/**
 * A request through node:http with the path and headers exactly as given: no URL normalisation
 * (WHATWG URLs resolve `%2e%2e`) and no header rules of the client (undici refuses some).
 */
export function sendRaw(
  origin: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(origin), {
      method: options.method ?? 'GET',
      path,
      headers: options.headers,
    })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.end(options.body)
  })
}
