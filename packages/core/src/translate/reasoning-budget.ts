/**
 * OpenAI's `reasoning_effort` and Anthropic's `thinking.budget_tokens` describe the same knob in
 * different units. The table follows the budgets LiteLLM uses for the same mapping, so a model
 * behaves alike behind either gateway; the reverse picks the smallest effort whose budget covers
 * the requested one.
 */

/** Thinking budget (tokens) per effort; Anthropic's minimum budget is 1024. */
export const EFFORT_BUDGETS: Readonly<Record<string, number>> = Object.freeze({
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
})

/** The efforts a budget maps back to, smallest first. */
const EFFORTS_BY_BUDGET = ['low', 'medium', 'high'] as const

/**
 * The effort whose budget covers `budget` (a budget above every entry maps to `high`).
 *
 * @example
 * effortForBudget(2048) // 'medium'
 */
export function effortForBudget(budget: number): string {
  for (const effort of EFFORTS_BY_BUDGET) if (budget <= EFFORT_BUDGETS[effort]) return effort
  return 'high'
}
