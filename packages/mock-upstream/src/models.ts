/** GET /v1/models and GET /v1/models/:id, listing the models the mock was created with. */
import type { Exchange } from './exchange.js'
import { sendError, sendJson } from './reply.js'

/** `created` of every listed model: a fixed date, so listings are identical across runs. */
const MODEL_CREATED = 1_700_000_000 // s, 2023-11-14

function model(id: string) {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'velox-mock' }
}

/**
 * Replies with the model list.
 *
 * @example
 * // GET /v1/models -> { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', ... }] }
 */
export function listModels(ex: Exchange, models: readonly string[]): Promise<void> {
  return sendJson(ex, 200, { object: 'list', data: models.map(model) })
}

/**
 * Replies with one model, or a 404 `model_not_found`.
 *
 * @example
 * // GET /v1/models/gpt-4o -> { id: 'gpt-4o', object: 'model', created: 1700000000, owned_by: 'velox-mock' }
 */
export function retrieveModel(ex: Exchange, models: readonly string[], id: string): Promise<void> {
  if (models.includes(id)) return sendJson(ex, 200, model(id))
  return sendError(
    ex,
    404,
    `The model '${id}' does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  )
}
