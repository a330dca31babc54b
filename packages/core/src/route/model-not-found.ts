/**
 * The 404 for a model the gateway will not serve: not in `models`, or matched by no route. Shared
 * by the extract stage (the allow-list) and the route stage (the routes).
 */
import { VeloxError } from '../errors.js'

export function modelNotFound(model: string): VeloxError {
  const shown = model.length > 200 ? `${model.slice(0, 200)}...` : model
  return new VeloxError(
    'VELOX_ERR_MODEL_NOT_FOUND',
    `The model '${shown}' does not exist or you do not have access to it`,
    'model',
  )
}
