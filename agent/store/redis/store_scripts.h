// The three counter scripts the Redis store runs, each one atomic EVALSHA over keys of a single
// tenant (one hash slot). Every script takes its clock from Redis (TIME, or PEXPIRE's own clock)
// so agents with skewed clocks share one budget, and puts a TTL on every key it writes so no
// counter outlives its meaning. Numbers cross the Lua boundary as decimal strings or integers
// below 2^53: Lua numbers are doubles, and Redis formats them with only 14 significant digits
// unless the script formats them itself (string.format('%d'/'%.17g')).
#pragma once

#include "agent/store/redis/lua_script.h"

namespace panguard::agent::redis {

// GCRA rate limit over a batch of keys (RateBatcher; a batch of one is a single check). KEYS[i]:
// a rate key (a string holding the theoretical arrival time, in microseconds of Redis TIME).
// ARGV[2i-1]: its emission interval in microseconds (>= 1), ARGV[2i]: its burst (>= 1). Returns
// {allowed 0|1, remaining, retry_after_us} per key, flattened. A refusal writes nothing.
const LuaScript& gcra_script();

// Fixed quota windows aligned on Redis TIME. KEYS[1]: a hash {w: current window index, t: its
// total, p: consecutive windows over the limit before w}. ARGV: window_ms (>= 1), amount and
// limit as decimal strings (finite, >= 0). Returns
// {window_total as a decimal string, windows_over} where windows_over counts the
// consecutive windows over the limit ending with the current one (0 while the current window is
// not over); the caller compares it with its sustain count. TTL: two windows, since the run
// length is carried in the hash and only has to reach the end of the next window.
const LuaScript& quota_script();

// Alert dedup. KEYS[1]: occurrences in the current window (expires one window after the first
// occurrence), KEYS[2]: occurrences suppressed so far (same hash tag). ARGV[1]: window_ms,
// ARGV[2]: TTL of the suppressed count in ms. Returns {report 0|1, occurrences, suppressed
// carried from the previous window (when report)}.
const LuaScript& dedup_script();

}  // namespace panguard::agent::redis
