/**
 * What an adapter's contract test provides: a function that builds the host app around a given
 * gateway and listens on 127.0.0.1 port 0. Every harness app must also serve, beside Velox:
 * - `GET /health` -> 200 `{"ok":true}`
 * - `POST /api/echo` (JSON) -> 200 with the parsed body as JSON, whatever order the app mounts its
 *   body parser and Velox in.
 */
import type { Gateway } from '@velox/core'

export interface HarnessOptions {
  gateway: Gateway
  /** Mount the framework's JSON body parser before Velox (what Velox then forwards: AdapterTraits). */
  bodyParserFirst: boolean
}

export interface Harness {
  /** e.g. `http://127.0.0.1:43121` */
  url: string
  close(): Promise<void>
}

export type MakeHarness = (options: HarnessOptions) => Promise<Harness>

/** What differs between frameworks by design, so the suite can assert each one exactly. */
export interface AdapterTraits {
  /**
   * What reaches the upstream in the `bodyParserFirst` app. `'byte-exact'`: the original bytes,
   * because the framework's parser kept them (koa-bodyparser's `rawBody`) or never reads Velox's
   * routes (Fastify's encapsulated parser). `'reserialized'`: only the parsed value was left
   * (express.json()), so the core serializes it again and counts it in `reserializedBodies`.
   */
  afterBodyParser: 'byte-exact' | 'reserialized'
}
