// A Lua script and its SHA-1, computed once, for EVALSHA.
#pragma once

#include <string>

namespace panguard::agent::redis {

class LuaScript {
 public:
  explicit LuaScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }  // lowercase hex, as Redis prints it

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace panguard::agent::redis
