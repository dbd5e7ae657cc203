// JSON parsing for untrusted input: duplicate object keys and deep nesting are errors (nlohmann
// would silently keep the last duplicate, letting two parsers disagree about one document).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace panguard::rules {

inline constexpr int kMaxJsonDepth = 32;

// nullopt with `error` set on any syntax error, duplicate key, or nesting deeper than max_depth.
std::optional<nlohmann::json> parse_strict_json(std::string_view text, std::string& error,
                                                int max_depth = kMaxJsonDepth);

}  // namespace panguard::rules
