// SHA-256 and lower-case hex, the two primitives of the audit chain.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace panguard::alerts {

std::string sha256_hex(std::string_view bytes);  // 64 lower-case hex digits
std::string to_hex(std::string_view bytes);
// Lower-case hex only (the one spelling the writer produces); nullopt otherwise.
std::optional<std::string> from_hex(std::string_view hex);
bool is_hash_hex(std::string_view text);  // exactly 64 lower-case hex digits

}  // namespace panguard::alerts
