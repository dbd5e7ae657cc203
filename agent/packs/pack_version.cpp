#include "agent/packs/pack_version.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace panguard::agent {

std::string pack_version(const std::vector<rules::RuleFile>& files) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (const auto& file : files) {
    // The length prefix keeps ("ab","c") and ("a","bc") apart.
    const std::string length = std::to_string(file.content.size()) + ":";
    ok = ok && EVP_DigestUpdate(ctx.get(), length.data(), length.size()) == 1 &&
         EVP_DigestUpdate(ctx.get(), file.content.data(), file.content.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), digest.data(), &digest_size) == 1;
  if (!ok) return "unknown";

  static constexpr char kHex[] = "0123456789abcdef";
  std::string version = "sha256:";
  for (unsigned int i = 0; i < 8 && i < digest_size; ++i) {
    version += kHex[digest[i] >> 4];
    version += kHex[digest[i] & 0x0f];
  }
  return version;
}

}  // namespace panguard::agent
