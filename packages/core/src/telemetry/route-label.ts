/**
 * The `route` label of a request: its API path after the prefix, with ids replaced by `:id`
 * (`/files/file-abc` -> `/files/:id`, `/models/gpt-4o` -> `/models/:id`), so that a metric has one
 * series per endpoint, not one per object. Paths outside the OpenAI-compatible surface become
 * "other": a client choosing its own URL must not be able to mint new series.
 */

/** First segments of the OpenAI (and Anthropic messages) API. */
const ROOTS = new Set([
  'assistants',
  'audio',
  'batches',
  'chat',
  'completions',
  'containers',
  'conversations',
  'embeddings',
  'evals',
  'files',
  'fine_tuning',
  'images',
  'messages',
  'models',
  'moderations',
  'realtime',
  'responses',
  'threads',
  'uploads',
  'vector_stores',
])

/** Later segments that name an action or a sub-collection, never an object. */
const WORDS = new Set([
  'cancel',
  'checkpoints',
  'complete',
  'completions',
  'content',
  'count_tokens',
  'edits',
  'events',
  'file_batches',
  'files',
  'generations',
  'input_items',
  'input_tokens',
  'items',
  'jobs',
  'messages',
  'parts',
  'results',
  'runs',
  'search',
  'sessions',
  'speech',
  'steps',
  'submit_tool_outputs',
  'transcriptions',
  'translations',
  'variations',
])

const MAX_SEGMENTS = 6

/**
 * @example
 * routeLabel('/chat/completions') // '/chat/completions'
 * routeLabel('/responses/resp_123/input_items') // '/responses/:id/input_items'
 * routeLabel('/wp-admin') // 'other'
 */
export function routeLabel(path: string): string {
  if (path === '' || path === '/') return '/'
  const segments = path.split('/')
  if (segments[0] !== '' || !ROOTS.has(segments[1]!) || segments.length > MAX_SEGMENTS + 1) return 'other'
  let label = `/${segments[1]}`
  for (let i = 2; i < segments.length; i++) {
    const segment = segments[i]!
    if (segment === '') return 'other'
    label += WORDS.has(segment) ? `/${segment}` : '/:id'
  }
  return label
}
