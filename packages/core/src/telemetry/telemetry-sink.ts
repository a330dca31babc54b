/**
 * Where the request path sends telemetry when metrics are on: `gateway.telemetry`, null otherwise
 * (so the request path tests one field and builds nothing). The real sink (telemetry-writer.ts)
 * lives in the lazily loaded sidecar module; until it has loaded, PendingTelemetry keeps what
 * arrives, so the first requests after creation are counted too.
 */
import type { ExchangeRecord } from './exchange-record.js'
import { type LimitDecision, TELEMETRY_RING_RECORDS } from './record-layout.js'

export interface TelemetrySink {
  exchange(record: ExchangeRecord): void
  limitDecision(decision: LimitDecision, count?: number): void
  queueDepth(depth: number): void
}

type Pending =
  | { kind: 'exchange'; record: ExchangeRecord }
  | { kind: 'decision'; decision: LimitDecision; count: number }
  | { kind: 'depth'; depth: number }

/** Holds telemetry while the sidecar module loads (a few milliseconds), bounded like the ring. */
export class PendingTelemetry implements TelemetrySink {
  readonly items: Pending[] = []
  /** Items refused because the buffer was full; reported as dropped once the writer is there. */
  dropped = 0

  #push(item: Pending): void {
    if (this.items.length >= TELEMETRY_RING_RECORDS) this.dropped++
    else this.items.push(item)
  }

  exchange(record: ExchangeRecord): void {
    this.#push({ kind: 'exchange', record })
  }

  limitDecision(decision: LimitDecision, count = 1): void {
    this.#push({ kind: 'decision', decision, count })
  }

  queueDepth(depth: number): void {
    this.#push({ kind: 'depth', depth })
  }

  /** Sends everything kept to `sink`, in arrival order. */
  replay(sink: TelemetrySink): void {
    for (const item of this.items) {
      if (item.kind === 'exchange') sink.exchange(item.record)
      else if (item.kind === 'decision') sink.limitDecision(item.decision, item.count)
      else sink.queueDepth(item.depth)
    }
    this.items.length = 0
  }
}
