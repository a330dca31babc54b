/**
 * The Lua script behind the Redis budget store: one call per reservation and one per settlement,
 * so the check and the charge at every level are one atomic step across all the processes that
 * share the Redis. Two gateways racing one budget can then overspend it only by what requests in
 * flight turn out to cost beyond their reservations (none, when the reservation is the worst case).
 *
 * One string key per (level, period), holding the spend in millionths; it expires an hour after
 * its period ends, so a new period starts from a missing key: zero.
 *
 * KEYS     the levels' keys
 * ARGV[1]  millionths to reserve (mode 'r') or to add, possibly negative (mode 'a')
 * ARGV[2]  mode
 * ARGV[3..] per level: limit in millionths, time to live in ms (reservations only)
 * returns  { granted (0/1), refusing level (1-based, 0 when granted), remaining at the tightest level, its index (1-based) }
 */
export const BUDGET_SCRIPT = `
local n = tonumber(ARGV[1])
if ARGV[2] == 'a' then
  for i, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then
      local spent = redis.call('INCRBY', key, n)
      if spent < 0 then redis.call('SET', key, 0, 'KEEPTTL') end
    end
  end
  return { 1, 0, 0, 0 }
end
local spent = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + i * 2])
  local s = tonumber(redis.call('GET', key) or '0')
  if s >= limit or s + n > limit then return { 0, i, limit - s, i } end
  spent[i] = s
end
local least, at = nil, 0
for i, key in ipairs(KEYS) do
  redis.call('INCRBY', key, n)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + i * 2]))
  local left = tonumber(ARGV[1 + i * 2]) - spent[i] - n
  if least == nil or left < least then least, at = left, i end
end
return { 1, 0, least or 0, at }
`
