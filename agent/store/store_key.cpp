#include "agent/store/store_key.h"

#include <openssl/sha.h>

namespace panguard::agent {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr std::size_t kMaxPartBytes = 128;

std::string_view kind_name(StoreKeyKind kind) {
  switch (kind) {
    case StoreKeyKind::kRate:
      return "rule";
    case StoreKeyKind::kQuota:
      return "quota";
    case StoreKeyKind::kDedup:
      return "dedup";
  }
  return "?";
}

std::string hashed_part(std::string_view part) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(part.data()), part.size(), digest);
  std::string out = "#";
  for (const unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

void append_part(std::string& key, std::string_view part) {
  std::string escaped = escape_key_part(part);
  key += escaped.size() > kMaxPartBytes ? hashed_part(part) : escaped;
}

}  // namespace

std::string escape_key_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (const char c : part) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '%' || c == ':' || c == '{' || c == '}' || c == '*' || c == ' ' || c == '#' ||
        byte < 0x20 || byte == 0x7f) {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    } else {
      out += c;
    }
  }
  return out;
}

std::string make_store_key(StoreKeyKind kind, const std::string* tenant, std::string_view name,
                           const std::vector<std::string>& key_values) {
  std::string key = "pg:{";
  if (!tenant) {
    key += "%none";
  } else if (tenant->empty()) {
    key += "%empty";  // "{}" is not a hash tag in Redis Cluster
  } else {
    append_part(key, *tenant);
  }
  key += "}:";
  key += kind_name(kind);
  key += ':';
  append_part(key, name);
  for (const auto& value : key_values) {
    key += ':';
    append_part(key, value);
  }
  return key;
}

}  // namespace panguard::agent
