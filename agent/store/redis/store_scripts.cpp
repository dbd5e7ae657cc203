#include "agent/store/redis/store_scripts.h"

namespace panguard::agent::redis {

const LuaScript& gcra_script() {
  // now, tat, interval and tolerance are integers in microseconds, exact in a double up to
  // 2^53 (285 years of TIME); the caller keeps interval * burst far below that. Keys are
  // decided in order, so a key twice in one batch is counted twice, as two calls would be.
  static const LuaScript script(R"lua(
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local out = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = interval * tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  local new_tat = tat + interval
  local wait = new_tat - now
  if wait > tolerance then
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = wait - tolerance
  else
    redis.call('SET', KEYS[i], string.format('%d', new_tat), 'PX', string.format('%d', math.ceil(wait / 1000)))
    out[#out + 1] = 1
    out[#out + 1] = math.floor((tolerance - wait) / interval)
    out[#out + 1] = 0
  end
end
return out
)lua");
  return script;
}

const LuaScript& quota_script() {
  static const LuaScript script(R"lua(
local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local window_ms = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local index = math.floor(now_ms / window_ms)
local state = redis.call('HMGET', KEYS[1], 'w', 't', 'p')
local w = tonumber(state[1])
local total = tonumber(state[2]) or 0
local run = tonumber(state[3]) or 0
if w == nil or index > w + 1 then
  -- first use, or at least one whole window without usage in between: nothing carries
  w = index
  total = 0
  run = 0
elseif index == w + 1 then
  -- the window just closed extends the run of windows over the limit, or breaks it
  if total > limit then run = run + 1 else run = 0 end
  w = index
  total = 0
end
-- index < w (a failover to a node whose clock is behind): stay in the newest window seen
total = total + amount
redis.call('HSET', KEYS[1], 'w', string.format('%d', w), 't', string.format('%.17g', total),
           'p', string.format('%d', run))
-- the run length lives in the hash, so it only has to outlive the next window
redis.call('PEXPIRE', KEYS[1], string.format('%d', 2 * window_ms))
local over = 0
if total > limit then over = run + 1 end
return {string.format('%.17g', total), over}
)lua");
  return script;
}

const LuaScript& dedup_script() {
  // No TIME needed: the window is the first occurrence's key TTL, kept by Redis itself.
  static const LuaScript script(R"lua(
local occurrences = redis.call('INCR', KEYS[1])
if occurrences == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  local carried = tonumber(redis.call('GET', KEYS[2])) or 0
  redis.call('DEL', KEYS[2])
  return {1, 1, carried}
end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {0, occurrences, 0}
)lua");
  return script;
}

}  // namespace panguard::agent::redis
