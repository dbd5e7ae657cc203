#include "agent/store/rate_key.h"

namespace panguard::agent {

std::string escape_key_part(std::string_view part) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(part.size());
  for (const char c : part) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '%' || c == ':' || c == '{' || c == '}' || byte < 0x20 || byte == 0x7f) {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    } else {
      out += c;
    }
  }
  return out;
}

std::string make_rate_key(const std::string* tenant, std::string_view rule_name,
                          const std::vector<std::string>& key_values) {
  std::string key = "pg:{";
  if (!tenant) {
    key += "%none";
  } else if (tenant->empty()) {
    key += "%empty";  // "{}" is not a hash tag in Redis Cluster
  } else {
    key += escape_key_part(*tenant);
  }
  key += "}:rule:";
  key += escape_key_part(rule_name);
  for (const auto& value : key_values) {
    key += ':';
    key += escape_key_part(value);
  }
  return key;
}

}  // namespace panguard::agent
