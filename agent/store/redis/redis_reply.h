// A Redis reply copied out of hiredis (so it outlives the callback), or why there is none.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace panguard::agent::redis {

struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString, kStatus, kError
  std::vector<Reply> elements;  // kArray
};

// No reply at all. kTimeout: the call's deadline passed (the connection may still answer
// later; that late answer is dropped). kDisconnected: no usable connection (down, reconnecting,
// reset mid-pipeline). kOverloaded: too many calls in flight, refused without sending.
// kStopped: the client is shutting down.
enum class FailureKind { kTimeout, kDisconnected, kOverloaded, kStopped };

struct Failure {
  FailureKind kind = FailureKind::kDisconnected;
  std::string message;  // for logs; never contains key names or values
};

using Result = std::variant<Reply, Failure>;

}  // namespace panguard::agent::redis
