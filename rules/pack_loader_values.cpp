#include "rules/pack_loader_values.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace panguard::rules::loader {
namespace {

using Kind = YamlNode::Kind;

std::string line_col(const SourcePos& pos) {
  return "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.col);
}

bool is_blank_or_break(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void trim_trailing_blanks(LocatedText& located) {
  std::string& text = located.text;
  while (!text.empty() && is_blank_or_break(text.back())) text.pop_back();
  while (located.anchors.size() > 1 && located.anchors.back().first >= text.size()) {
    located.anchors.pop_back();
  }
}

}  // namespace

std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return out;
}

std::string_view kind_description(const YamlNode& node) {
  switch (node.kind) {
    case Kind::kNull:
      return "an empty value";
    case Kind::kScalar:
      return "a string";
    case Kind::kSequence:
      return "a sequence";
    case Kind::kMap:
      return "a mapping";
    case Kind::kInvalid:
      break;
  }
  return "an invalid value";
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<Rate> parse_rate(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto count = parse_decimal(text.substr(0, slash));
  if (!count || *count == 0) return std::nullopt;
  constexpr uint64_t kSecondNs = 1'000'000'000;
  const std::string_view unit = text.substr(slash + 1);
  if (unit == "s") return Rate{*count, kSecondNs};
  if (unit == "m") return Rate{*count, 60 * kSecondNs};
  if (unit == "h") return Rate{*count, 3600 * kSecondNs};
  return std::nullopt;
}

std::optional<uint64_t> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto count = parse_decimal(text.substr(0, text.size() - 1));
  if (!count || *count == 0) return std::nullopt;
  constexpr uint64_t kSecondNs = 1'000'000'000;
  uint64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = kSecondNs;
      break;
    case 'm':
      unit = 60 * kSecondNs;
      break;
    case 'h':
      unit = 3600 * kSecondNs;
      break;
    default:
      return std::nullopt;
  }
  if (*count > std::numeric_limits<uint64_t>::max() / unit) return std::nullopt;
  return *count * unit;
}

void ValueReader::error(const SourcePos& pos, std::string message) {
  ++failures_;
  diagnostics_.push_back(Diagnostic{
      .severity = Diagnostic::Severity::kError, .pos = pos, .message = std::move(message)});
}

bool ValueReader::check_scalar(const YamlNode& node, std::string_view what) {
  if (node.kind == Kind::kScalar) return true;
  if (node.kind == Kind::kInvalid) {
    fail_silently();
  } else {
    error(node.pos,
          std::string(what) + " must be a string, not " + std::string(kind_description(node)));
  }
  return false;
}

std::optional<std::vector<MapEntry>> ValueReader::entries(const YamlNode& node,
                                                          std::string_view what) {
  if (node.kind != Kind::kMap) {
    if (node.kind == Kind::kInvalid) {
      fail_silently();
    } else {
      error(node.pos,
            std::string(what) + " must be a mapping, not " + std::string(kind_description(node)));
    }
    return std::nullopt;
  }
  std::vector<MapEntry> result;
  std::unordered_map<std::string_view, const YamlNode*> seen;  // hostile files can be large
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const YamlNode& key = node.keys[i];
    if (!check_scalar(key, "a key in " + std::string(what))) continue;
    auto [earlier, inserted] = seen.emplace(key.scalar.text, &key);
    if (!inserted) {
      error(key.pos, "duplicate key " + quoted(key.scalar.text) + " (first at " +
                         line_col(earlier->second->pos) + ")");
      continue;
    }
    result.push_back(MapEntry{key.scalar.text, &key, &node.values[i]});
  }
  return result;
}

std::optional<LocatedText> ValueReader::text(const YamlNode& node, std::string_view what) {
  if (!check_scalar(node, what)) return std::nullopt;
  return node.scalar;
}

std::optional<LocatedText> ValueReader::trimmed_text(const YamlNode& node, std::string_view what) {
  auto located = text(node, what);
  if (!located) return std::nullopt;
  trim_trailing_blanks(*located);
  if (located->text.find_first_not_of(" \t\n\r") == std::string::npos) {
    error(node.pos, std::string(what) + " must not be empty");
    return std::nullopt;
  }
  return located;
}

std::optional<bool> ValueReader::boolean(const YamlNode& node, std::string_view what) {
  if (node.kind == Kind::kScalar && node.plain) {
    if (node.scalar.text == "true") return true;
    if (node.scalar.text == "false") return false;
  }
  if (node.kind == Kind::kInvalid) {
    fail_silently();
  } else {
    error(node.pos, std::string(what) + " must be true or false (unquoted)");
  }
  return std::nullopt;
}

std::optional<uint64_t> ValueReader::integer(const YamlNode& node, std::string_view what,
                                             uint64_t minimum) {
  if (node.kind == Kind::kScalar && node.plain) {
    auto value = parse_decimal(node.scalar.text);
    if (value && *value >= minimum) return value;
  }
  if (node.kind == Kind::kInvalid) {
    fail_silently();
  } else {
    error(node.pos, std::string(what) + " must be an unquoted integer of at least " +
                        std::to_string(minimum));
  }
  return std::nullopt;
}

std::optional<std::vector<LocatedText>> ValueReader::text_list(const YamlNode& node,
                                                               std::string_view what,
                                                               bool single_allowed) {
  if (single_allowed && node.kind == Kind::kScalar) return std::vector{node.scalar};
  if (node.kind != Kind::kSequence) {
    if (node.kind == Kind::kInvalid) {
      fail_silently();
    } else {
      error(node.pos, std::string(what) + " must be a sequence" +
                          (single_allowed ? " or a string" : "") + ", not " +
                          std::string(kind_description(node)));
    }
    return std::nullopt;
  }
  std::vector<LocatedText> items;
  bool all_ok = true;
  for (const YamlNode& item : node.values) {
    auto located = text(item, "each entry of " + std::string(what));
    if (located) {
      items.push_back(std::move(*located));
    } else {
      all_ok = false;
    }
  }
  if (!all_ok) return std::nullopt;
  return items;
}

std::optional<std::vector<LocatedText>> ValueReader::name_list(const YamlNode& node,
                                                               std::string_view what,
                                                               bool single_allowed) {
  auto names = text_list(node, what, single_allowed);
  if (!names) return std::nullopt;
  if (names->empty()) {
    error(node.pos, std::string(what) + " must not be empty");
    return std::nullopt;
  }
  bool all_ok = true;
  for (const LocatedText& name : *names) {
    if (name.text.empty()) {
      error(name.position_of(0), "each entry of " + std::string(what) + " must not be empty");
      all_ok = false;
    }
  }
  if (!all_ok) return std::nullopt;
  return names;
}

}  // namespace panguard::rules::loader
