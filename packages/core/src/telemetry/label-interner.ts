/**
 * Label strings as small integer ids, on the main thread. The first time a value is seen it gets
 * the next id and `post(id, value)` sends the pair to the worker (before the record that uses it is
 * published, so the worker always knows an id it reads). After that, a label costs one Map lookup
 * on the request path: no string building, no formatting.
 *
 * Each label has a cap on distinct values; values past it, and values longer than
 * MAX_LABEL_LENGTH, all become OTHER_LABEL ("other"), so a client sending random model names
 * cannot grow memory or the metric series without bound.
 */
import { FIRST_LABEL_ID, NO_LABEL, OTHER_LABEL } from './record-layout.js'
import { routeLabel } from './route-label.js'

export const MAX_LABEL_LENGTH = 200
export const LABEL_CAPS = {
  model: 100,
  route: 64,
  upstream: 64,
  errorCode: 64,
} as const
/** Raw paths remembered with their route id; paths with ids in them are normalised each time instead. */
const ROUTE_CACHE = 256

export type PostLabel = (id: number, value: string) => void

class LabelSet {
  readonly #ids = new Map<string, number>()
  readonly #cap: number
  readonly #interner: LabelInterner

  constructor(cap: number, interner: LabelInterner) {
    this.#cap = cap
    this.#interner = interner
  }

  id(value: string | undefined): number {
    if (value === undefined || value === '') return NO_LABEL
    const known = this.#ids.get(value)
    if (known !== undefined) return known
    if (this.#ids.size >= this.#cap || value.length > MAX_LABEL_LENGTH || value === 'other')
      return OTHER_LABEL
    const id = this.#interner.assign(value)
    this.#ids.set(value, id)
    return id
  }
}

export class LabelInterner {
  readonly #post: PostLabel
  #next = FIRST_LABEL_ID
  readonly models: LabelSet
  readonly routes: LabelSet
  readonly upstreams: LabelSet
  readonly errorCodes: LabelSet
  readonly #routeByPath = new Map<string, number>()

  constructor(post: PostLabel) {
    this.#post = post
    this.models = new LabelSet(LABEL_CAPS.model, this)
    this.routes = new LabelSet(LABEL_CAPS.route, this)
    this.upstreams = new LabelSet(LABEL_CAPS.upstream, this)
    this.errorCodes = new LabelSet(LABEL_CAPS.errorCode, this)
  }

  /** A new id for `value`, sent to the worker now. */
  assign(value: string): number {
    const id = this.#next++
    this.#post(id, value)
    return id
  }

  /** The route label id of a path after the prefix (see route-label.ts). */
  route(path: string): number {
    const known = this.#routeByPath.get(path)
    if (known !== undefined) return known
    const label = routeLabel(path)
    const id = this.routes.id(label)
    // Only fixed paths are cached: ids and unknown paths would fill the cache with one-offs.
    if (id !== OTHER_LABEL && !label.includes(':id') && this.#routeByPath.size < ROUTE_CACHE) {
      this.#routeByPath.set(path, id)
    }
    return id
  }
}
