/**
 * The exchange: one request's whole state, created once when the adapter hands the request over
 * and passed to every stage of the request path (stages/README.md) instead of loose arguments.
 * Each stage reads the fields the stages before it filled and fills its own; a new per-request
 * field (a cache key, a translation, a span) is one field here, not nine signatures.
 *
 * This is a leaf module: it imports no stage and nothing that imports a stage, so any stage, the
 * limiter and the egress pieces can all depend on it without an import cycle (scripts/check-layers.mjs).
 * One object replaces the separate request-info, outgoing-request and proxy objects of the old
 * path, so the hot path allocates no more than it did.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Candidate } from '../egress/upstream.js'
import type { VeloxError, VeloxErrorCode } from '../errors.js'
import type { ExchangeTrace } from '../tracing/exchange-trace.js'
import type { TranslatedRequest } from '../translate/chat-to-messages.js'
import type { ClientRequestKind } from '../translate/formats.js'

/**
 * The stages in the order they run (stages/run.ts runs them; stages/README.md says what each does).
 * A new stage gets a number here, in its place, and a case in stages/run.ts.
 */
export const STAGE = {
  admit: 0,
  read: 1,
  extract: 2,
  route: 3,
  cache: 4,
  limit: 5,
  budget: 6,
  translate: 7,
  egress: 8,
  respond: 9,
  account: 10,
  release: 11,
  /** Past the last stage: the exchange is over. */
  done: 12,
} as const

/** What a stage tells the runner (stages/run.ts). */
export const NEXT = 0 // go on with the next stage now
export const WAIT = 1 // the stage (or what it started) calls `resume` later
export type StageResult = typeof NEXT | typeof WAIT

/** What runs an exchange's stages (GatewayCore, through stages/run.ts). */
export interface Runner {
  resume(ex: Exchange): void
}

/** Token usage read from a response as it passes (stages/usage.ts implements it). */
export interface UsageMeter {
  onChunk(chunk: Buffer): void
  /** Usage seen so far; call at the end of the response (repeat calls give the same answer). */
  finish(): UsageCounts
}

/** Usage with the detail cost depends on (usage/usage-detail.ts has the same shape). */
export interface UsageCounts {
  inputTokens: number | undefined
  outputTokens: number | undefined
  /** The detail: absent when the reader does not report it (a translated response). */
  cachedInputTokens?: number | undefined
  cacheWriteTokens?: number | undefined
  reasoningTokens?: number | undefined
}

/** A stored answer to replay (cache/cached-reply.ts). */
export interface StoredReply {
  readonly kind: 'json' | 'sse'
  readonly contentType: string
  readonly body: Buffer
  readonly eventEnds: readonly number[]
}

/** Keeps a copy of the answer as it passes, for the cache (cache/reply-recorder.ts). */
export interface ChunkRecorder {
  onChunk(chunk: Buffer): void
  /** The reply to store, or undefined (not complete, not a 200, too large, cut short). */
  finish(complete: boolean): StoredReply | undefined
}

/** Takes the extra usage chunk out of a stream (usage/usage-chunk-filter.ts). */
export interface ChunkFilter {
  push(chunk: Buffer): Buffer | undefined
  end(): Buffer | undefined
  readonly usage: UsageCounts | undefined
}

/** A budget reservation (budget/budgets.ts): settled once with the real cost. */
export interface CostSettleable {
  settle(cost: number | undefined): void
}

/** A token reservation (limit/reservation.ts): settled once with the response's usage. */
export interface Settleable {
  settle(inputTokens: number | undefined, outputTokens: number | undefined): void
}

/** How the gateway's own error answer is written (http/write-error.ts). */
export interface ErrorAnswer {
  /** Extra response headers: `allow` on a 405, x-ratelimit-* and retry-after on a 429. */
  headers: Record<string, string> | undefined
  /** The body may not have been read: close the connection after the answer. */
  closeConnection: boolean
}

export class Exchange implements ErrorAnswer {
  // --- the request (admit) ---
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly runner: Runner
  readonly method: string
  /** The path after the prefix, without the query: `/chat/completions`. */
  path = ''
  /** The path after the prefix, with its query (`/chat/completions?x=1`); '' for the bare prefix. */
  pathAndQuery = ''
  /** `performance.now()` when the gateway took the request. */
  readonly startedAt: number
  /** The next stage to run (STAGE); the runner advances it. */
  stage: number = STAGE.admit
  /** A body a framework's parser already consumed (its raw bytes, or the parsed value), if any. */
  preParsed: Buffer | { parsed: unknown } | undefined
  /** The path must carry a JSON body naming a model (MODEL_REQUIRED). */
  needsModel = false
  /** The body is JSON (by Content-Type, or because it was re-serialized). */
  json = false

  // --- the body (read) ---
  body: Buffer | null = null
  /** The pooled slab behind `body`, given back by the release stage once nothing can read it. */
  slab: Buffer | null = null
  /** A framework's parser already decoded the body: the client's Content-Encoding no longer applies. */
  decoded = false

  // --- the fields (extract) ---
  model: string | undefined = undefined
  stream = false
  /** max_tokens, else max_completion_tokens, else max_output_tokens, from the body scan. */
  maxTokens: number | undefined = undefined
  /** The model token's byte range in `body`, for aliases (-1 when there is none). */
  modelStart = -1
  modelEnd = -1
  /** stream_options.include_usage as the client sent it. */
  includeUsage: boolean | undefined = undefined

  // --- the cache (opt-in) ---
  /** `x-velox-cache` of this answer; undefined when the route is not cached. */
  cacheOutcome: 'hit' | 'miss' | 'bypass' | undefined = undefined
  /** The key to store a miss's answer under. */
  cacheKey: string | undefined = undefined
  /** A hit: egress replays it instead of going upstream. */
  cachedReply: StoredReply | undefined = undefined
  /** A miss's answer as it passes (set when its headers came). */
  cacheRecorder: ChunkRecorder | null = null

  // --- the budget ---
  budgetHold: CostSettleable | undefined = undefined

  // --- the candidates (route) ---
  candidates: readonly Candidate[] = NO_CANDIDATES
  /** Some candidates are ejected or cooling and offered anyway: every one was out (health/select.ts). */
  panic = false

  // --- the limit ---
  /** The rate-limit key of the caller, once the limiter has computed it. */
  key: string | undefined = undefined
  /** Headers the gateway adds to its response (flat name, value list): the limiter's x-ratelimit-*. */
  responseHeaders: string[] | undefined = undefined
  /** The limiter's token reservation, settled with the response's usage by the account stage. */
  reservation: Settleable | undefined = undefined

  // --- the translation (translate) ---
  /** What the client's request is when its format can be translated (chat, messages, count_tokens). */
  kind: ClientRequestKind | undefined = undefined
  /** The request mapped into the other format, for attempts on candidates that speak it. */
  translated: TranslatedRequest | undefined = undefined

  // --- the attempt in flight (egress) ---
  /** The candidate of the latest attempt; undefined until the first one. */
  candidate: Candidate | undefined = undefined
  /** Upstream attempts made (retries and fallbacks included). */
  attempts = 0
  /** Times the exchange moved on to the route's next candidate. */
  fallbacks = 0
  /** The attempt in flight, null between attempts (stages/60-egress.ts owns it). */
  attempt: { abort(reason: Error): void } | null = null

  // --- the response (respond, account) ---
  status = 0
  /** Set when the gateway answers with its own error (the respond stage writes it). */
  error: VeloxError | undefined = undefined
  errorCode: VeloxErrorCode | undefined = undefined
  headers: Record<string, string> | undefined = undefined
  closeConnection = false
  /** Response bytes (or headers) went to the client. */
  committed = false
  /** The client left before the response ended. */
  clientGone = false
  /** The upstream response reached its end and so did the client's (usage is complete). */
  ended = false
  headersAt = 0
  firstByteAt = 0
  /** Reads token usage as the body passes; only when exchange records, a reservation or a trace want it. */
  usage: UsageMeter | null = null
  /** The body sent upstream asks for usage the client did not (the include_usage splice). */
  usageSpliced = false
  /** Strips what the splice added from the client's stream. */
  usageFilter: ChunkFilter | null = null

  // --- the trace (when `tracing` is set: begun by egress, ended by account) ---
  /** The OTel context active when the gateway took the request: the span's parent. */
  traceContext: unknown = undefined
  trace: ExchangeTrace | undefined = undefined

  constructor(
    runner: Runner,
    req: IncomingMessage,
    res: ServerResponse,
    preParsed: Buffer | { parsed: unknown } | undefined,
  ) {
    this.runner = runner
    this.req = req
    this.res = res
    this.preParsed = preParsed
    this.method = req.method ?? 'GET'
    this.startedAt = performance.now()
  }

  /**
   * Runs the stages from where the exchange stands: called by whatever a stage that returned WAIT
   * started (the body reader, the offload worker, the limiter's queue, the upstream dispatch).
   */
  resume(): void {
    this.runner.resume(this)
  }

  /** Answers with the gateway's own error: the runner goes straight to the respond stage. */
  fail(error: VeloxError, headers?: Record<string, string>, closeConnection = false): void {
    this.error = error
    this.errorCode = error.code
    this.status = error.status
    this.headers = headers
    this.closeConnection = closeConnection
    this.stage = STAGE.respond
  }

  /** The response was written by the stage itself (GET /models): respond has nothing to add. */
  answered(status: number): void {
    this.status = status
    this.stage = STAGE.respond
  }

  /** The client left: nothing to answer; the exchange is accounted for and released. */
  left(): void {
    this.clientGone = true
    this.stage = STAGE.respond
  }
}

const NO_CANDIDATES: readonly Candidate[] = Object.freeze([])
