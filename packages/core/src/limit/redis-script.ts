/**
 * The Lua script behind the Redis store: one script call per acquire (and per adjust), so taking a
 * request and its token reservation is atomic across every process that shares the Redis. It
 * follows the in-process bucket (token-bucket.ts): whole refill steps, the leftover part of a step
 * kept, capacity as the cap, a debt allowed on the tokens bucket. The time is the server's
 * (`TIME`), so processes whose clocks disagree still agree on the buckets. Redis 7 replicates a
 * script's effects, not the script, so reading TIME is allowed.
 *
 * One hash per (key, policy): rt/rs (requests: tokens, stamp in microseconds), tt/ts (tokens). It
 * is written only when it changes, and expires once both buckets would be full again: a missing
 * hash is a full bucket.
 *
 * KEYS[1]  the hash
 * ARGV     requests: capacity, stepTokens, stepUs, n; tokens: capacity (0: no token limit),
 *          stepTokens, stepUs, n; mode: 'a' acquire, 'd' adjust (the two n are then deltas)
 * returns  { granted (0/1), requests remaining, requests reset us, tokens remaining, tokens reset us, retry us }
 */
export const LIMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'rt', 'rs', 'tt', 'ts')
local rcap, rstep, rus, rn = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tcap, tstep, tus, tn = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])

local function refill(tokens, stamp, cap, step, us)
  if tokens == nil or stamp == nil then return cap, now end
  local elapsed = now - stamp
  if elapsed < 0 then return tokens, now end
  if elapsed < us then return tokens, stamp end
  local steps = math.floor(elapsed / us)
  return math.min(cap, tokens + steps * step), stamp + steps * us
end

local function wait(tokens, stamp, n, step, us)
  if tokens >= n then return 0 end
  return math.ceil((n - tokens) / step) * us - math.min(us, now - stamp)
end

local rt, rs = refill(tonumber(s[1]), tonumber(s[2]), rcap, rstep, rus)
local tt, ts = 0, now
if tcap > 0 then tt, ts = refill(tonumber(s[3]), tonumber(s[4]), tcap, tstep, tus) end

local granted = 0
if ARGV[9] == 'd' then
  rt = math.min(rcap, rt + rn)
  if tcap > 0 then tt = math.max(-1073741824, math.min(tcap, tt + tn)) end
  granted = 1
elseif rt >= rn and (tcap == 0 or tt >= tn) then
  rt = rt - rn
  if tcap > 0 then tt = tt - tn end
  granted = 1
end

local rreset = wait(rt, rs, rcap, rstep, rus)
local treset = 0
if tcap > 0 then treset = wait(tt, ts, tcap, tstep, tus) end
local retry = 0
if granted == 1 then
  redis.call('HSET', KEYS[1], 'rt', string.format('%.0f', rt), 'rs', string.format('%.0f', rs),
    'tt', string.format('%.0f', tt), 'ts', string.format('%.0f', ts))
  redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(rreset, treset) / 1000) + 1000)
else
  retry = wait(rt, rs, rn, rstep, rus)
  if tcap > 0 then retry = math.max(retry, wait(tt, ts, tn, tstep, tus)) end
end
return { granted, rt, rreset, tt, treset, retry }
`
