/**
 * Power of two choices among equal candidates (Mitzenmacher; Finagle's and tower's p2c-ewma): draw
 * two by weight, keep the one whose cost (peak-EWMA latency x (in flight + 1) / weight) is lower.
 * Two random picks avoid the herd that "always the least loaded" causes when every gateway
 * instance sees the same stale numbers, and cost O(1). The rest follow by cost, as fallbacks.
 */

export interface P2cInput<T> {
  readonly tier: readonly T[]
  /** Lower is better; weight already applied. */
  readonly costOf: (candidate: T) => number
  readonly weightOf: (candidate: T) => number
  /** Uniform in [0, 1) (tests inject a sequence). */
  readonly random: () => number
}

/** Index drawn by weight among `tier`, skipping `except` (-1: none). */
function drawIndex<T>(input: P2cInput<T>, except: number): number {
  let total = 0
  for (let i = 0; i < input.tier.length; i++) if (i !== except) total += input.weightOf(input.tier[i]!)
  let pick = input.random() * total
  let last = -1
  for (let i = 0; i < input.tier.length; i++) {
    if (i === except) continue
    last = i
    const w = input.weightOf(input.tier[i]!)
    if (pick < w) return i
    pick -= w
  }
  return last
}

/**
 * The tier in the order to try it: the better of two weighted draws first, then the others by cost.
 *
 * @example
 * orderP2c({ tier, costOf: (c) => c.upstream.health.cost(), weightOf: (c) => c.upstream.config.weight, random: Math.random })
 */
export function orderP2c<T>(input: P2cInput<T>): T[] {
  const { tier, costOf } = input
  if (tier.length < 2) return [...tier]
  const a = drawIndex(input, -1)
  const b = drawIndex(input, a)
  const first = costOf(tier[b]!) < costOf(tier[a]!) ? b : a
  const rest = tier.filter((_, i) => i !== first)
  if (rest.length > 1) {
    const costs = new Map(rest.map((c) => [c, costOf(c)]))
    rest.sort((x, y) => costs.get(x)! - costs.get(y)!)
  }
  return [tier[first]!, ...rest]
}
