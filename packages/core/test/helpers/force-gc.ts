/**
 * Full garbage collections on demand, for tests of what happens once an object is collected
 * (FinalizationRegistry callbacks). `--expose-gc` set at run time installs `gc` only in contexts
 * made after it, hence the fresh vm context.
 */
import { setImmediate } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Collects, then lets the event loop turn (finalization callbacks and pending I/O run there), until
 * `done()` is true or `turns` rounds have passed. Returns `done()`.
 */
export async function collectUntil(done: () => boolean, turns = 100): Promise<boolean> {
  for (let i = 0; i < turns && !done(); i++) {
    gc()
    await setImmediate()
  }
  return done()
}
