// Internal to the pack loader: typed reads of YAML values. Each read reports its own error at the
// value's position and returns nullopt; ok() says whether anything failed, so a caller can drop
// a whole item rather than apply half of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/pack_document.h"
#include "rules/pack_loader_yaml.h"

namespace panguard::rules::loader {

// 'text', for names in messages.
std::string quoted(std::string_view text);

struct MapEntry {
  std::string_view key;
  const YamlNode* key_node = nullptr;
  const YamlNode* value = nullptr;
};

class ValueReader {
 public:
  explicit ValueReader(std::vector<Diagnostic>& diagnostics) : diagnostics_(diagnostics) {}

  bool ok() const { return failures_ == 0; }
  int failures() const { return failures_; }  // compare two readings to check one part
  void error(const SourcePos& pos, std::string message);
  void fail_silently() { ++failures_; }  // the problem was reported elsewhere

  // `what` names the value in messages, e.g. "'desc'" or "each entry of 'tags'".

  // A mapping's entries in file order; keys that are not strings, or repeat an earlier key,
  // are reported and left out.
  std::optional<std::vector<MapEntry>> entries(const YamlNode& node, std::string_view what);
  std::optional<LocatedText> text(const YamlNode& node, std::string_view what);
  // Text with at least one non-blank character; trailing blanks and line breaks are dropped.
  std::optional<LocatedText> trimmed_text(const YamlNode& node, std::string_view what);
  // Exactly `true` or `false`, unquoted.
  std::optional<bool> boolean(const YamlNode& node, std::string_view what);
  // An unquoted decimal integer >= minimum, without sign or leading zeros.
  std::optional<uint64_t> integer(const YamlNode& node, std::string_view what, uint64_t minimum);
  // A sequence of strings; with `single_allowed`, a lone string counts as a list of one.
  std::optional<std::vector<LocatedText>> text_list(const YamlNode& node, std::string_view what,
                                                    bool single_allowed);
  // Like text_list, but the list and every entry must be non-empty.
  std::optional<std::vector<LocatedText>> name_list(const YamlNode& node, std::string_view what,
                                                    bool single_allowed);

 private:
  bool check_scalar(const YamlNode& node, std::string_view what);

  std::vector<Diagnostic>& diagnostics_;
  int failures_ = 0;
};

// Describes a node's kind for messages: "a mapping", "a sequence", "a string", "an empty value".
std::string_view kind_description(const YamlNode& node);

// Decimal digits only, no leading zeros, no overflow.
std::optional<uint64_t> parse_decimal(std::string_view text);

struct Rate {
  uint64_t count = 0;
  uint64_t period_ns = 0;
};
// "N/s", "N/m" or "N/h" with N a positive decimal integer; nothing else.
std::optional<Rate> parse_rate(std::string_view text);

// "Ns", "Nm" or "Nh" with N a positive decimal integer, in nanoseconds; nothing else.
std::optional<uint64_t> parse_duration(std::string_view text);

}  // namespace panguard::rules::loader
