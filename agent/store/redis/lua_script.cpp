#include "agent/store/redis/lua_script.h"

#include <openssl/sha.h>

namespace panguard::agent::redis {

LuaScript::LuaScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  sha1_.reserve(2 * SHA_DIGEST_LENGTH);
  for (const unsigned char byte : digest) {
    sha1_ += kHex[byte >> 4];
    sha1_ += kHex[byte & 0x0f];
  }
}

}  // namespace panguard::agent::redis
