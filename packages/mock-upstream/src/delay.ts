import { setTimeout as sleep } from 'node:timers/promises'

/** The longest delay a timer can express (2^31 - 1 ms, about 24.8 days); longer ones fire at once in node. */
export const MAX_DELAY_MS = 2_147_483_647

/**
 * Waits `ms` milliseconds unless `signal` aborts first. Resolves to false when aborted, so callers stop
 * instead of writing to a response that is gone. A zero delay takes no timer: streams with no chunk delay
 * stay as fast as the socket allows.
 */
export async function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) {
    try {
      await sleep(ms, undefined, { signal })
    } catch {
      return false
    }
  }
  return !signal.aborted
}
