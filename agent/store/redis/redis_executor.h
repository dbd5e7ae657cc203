// What the Redis store needs from a Redis connection: send one command or one Lua script and
// get exactly one result back. RedisClient implements it over hiredis + Asio (single server or
// cluster); unit tests of the store's logic use a fake.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/store/redis/lua_script.h"
#include "agent/store/redis/redis_reply.h"

namespace panguard::agent::redis {

using ResultHandler = std::function<void(Result)>;

class Executor {
 public:
  virtual ~Executor() = default;

  // `argv` is sent binary-safe (never formatted into a command string). `routing_key` picks the
  // cluster node (its hash slot); ignored against a single server. Safe to call from any thread.
  // `done` runs exactly once, on the client's own thread, at the latest at the command timeout.
  virtual void execute(std::vector<std::string> argv, std::string routing_key,
                       ResultHandler done) = 0;

  // EVALSHA, and on NOSCRIPT loads the script (SCRIPT LOAD on that node) and retries once, so a
  // Redis restart or failover that forgot the script costs one round trip, not an error. All
  // `keys` must share one hash slot (they carry the same {tenant} tag); keys[0] routes.
  virtual void eval(const LuaScript& script, std::vector<std::string> keys,
                    std::vector<std::string> args, ResultHandler done) = 0;

  // True while at least one connection is up and the last call did not fail for lack of one.
  virtual bool connected() const = 0;
};

}  // namespace panguard::agent::redis
