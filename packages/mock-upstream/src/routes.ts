/** The endpoints the mock serves, by method and exact path (no prefixes, no trailing slashes). */
import { countTokens, messages } from './anthropic/messages.js'
import { chatCompletions } from './chat.js'
import { embeddings } from './embeddings.js'
import type { Exchange } from './exchange.js'
import { type JsonObject, parseJsonObject } from './fields.js'
import { listModels, retrieveModel } from './models.js'
import { sendError } from './reply.js'
import { responses } from './responses.js'

type JsonEndpoint = (ex: Exchange, body: JsonObject) => Promise<void>

const POST_ENDPOINTS: ReadonlyMap<string, JsonEndpoint> = new Map([
  ['/v1/chat/completions', chatCompletions],
  ['/v1/responses', responses],
  ['/v1/embeddings', embeddings],
  ['/v1/messages', messages],
  ['/v1/messages/count_tokens', countTokens],
])

const MODEL_PREFIX = '/v1/models/'

function modelId(pathname: string): string | undefined {
  if (!pathname.startsWith(MODEL_PREFIX) || pathname.length === MODEL_PREFIX.length) return undefined
  try {
    return decodeURIComponent(pathname.slice(MODEL_PREFIX.length))
  } catch {
    return undefined
  }
}

/**
 * Dispatches one request; anything unknown gets the real API's 404 `Invalid URL (METHOD /path)`.
 * Rejects with an InvalidRequestError for a bad body, which the caller turns into a 400.
 */
export async function route(
  ex: Exchange,
  method: string,
  target: string,
  body: Buffer,
  models: readonly string[],
): Promise<void> {
  const query = target.indexOf('?')
  const pathname = query === -1 ? target : target.slice(0, query)
  if (method === 'POST') {
    const endpoint = POST_ENDPOINTS.get(pathname)
    if (endpoint !== undefined) return endpoint(ex, parseJsonObject(body))
  } else if (method === 'GET') {
    if (pathname === '/v1/models') return listModels(ex, models)
    const id = modelId(pathname)
    if (id !== undefined) return retrieveModel(ex, models, id)
  }
  return sendError(ex, 404, `Invalid URL (${method} ${pathname})`, 'invalid_request_error')
}
