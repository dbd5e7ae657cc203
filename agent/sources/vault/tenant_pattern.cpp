#include "agent/sources/vault/tenant_pattern.h"

#include <cassert>

#include "agent/sources/vault/path_segments.h"
#include "agent/sources/vault/tenant_id.h"

namespace panguard::vault {
namespace {

constexpr std::string_view kPlaceholder = "{tenant}";
constexpr std::size_t kMaxPatternBytes = 512;

std::vector<std::string_view> split_segments(std::string_view text) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(text.substr(start));
      return segments;
    }
    segments.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

// Literal pattern text may hold only bytes a canonical Vault path can hold, minus the pattern
// syntax itself; anything else could never match and is a configuration mistake.
bool is_literal_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte <= 0x20 || byte >= 0x7f) return false;
  switch (c) {
    case '\\':
    case '%':
    case '?':
    case '#':
    case ';':
    case '*':
    case '{':
    case '}':
      return false;
    default:
      return true;
  }
}

bool is_literal(std::string_view text) {
  for (char c : text) {
    if (!is_literal_char(c)) return false;
  }
  return true;
}

PatternError error(std::string_view pattern, std::string_view why) {
  return PatternError{"tenant pattern \"" + std::string(pattern) + "\": " + std::string(why)};
}

}  // namespace

std::variant<TenantPattern, PatternError> TenantPattern::compile(std::string_view text) {
  if (text.empty()) return error(text, "is empty");
  if (text.size() > kMaxPatternBytes)
    return PatternError{"tenant pattern is longer than 512 bytes"};
  TenantPattern pattern;
  pattern.text_ = std::string(text);
  const auto parts = split_segments(text);
  bool has_capture = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    Segment segment;
    if (part.empty()) return error(text, "has an empty segment (leading, trailing or double '/')");
    if (part == "." || part == "..") return error(text, "has a '.' or '..' segment");
    if (part == "*") {
      segment.kind = Segment::Kind::kOne;
    } else if (part == "**") {
      if (i + 1 != parts.size()) return error(text, "'**' is allowed only as the last segment");
      segment.kind = Segment::Kind::kRest;
    } else if (const std::size_t at = part.find(kPlaceholder); at != std::string_view::npos) {
      if (has_capture) return error(text, "holds {tenant} more than once");
      has_capture = true;
      segment.kind = Segment::Kind::kCapture;
      segment.literal = std::string(part.substr(0, at));
      std::string_view rest = part.substr(at + kPlaceholder.size());
      if (!rest.empty() && rest.back() == '*') {
        segment.star = true;
        rest.remove_suffix(1);
        // `{tenant}*` would let the capture end anywhere: a separator must follow it.
        if (rest.empty()) return error(text, "a '*' after {tenant} needs a literal separator");
      }
      segment.suffix = std::string(rest);
      if (rest.find(kPlaceholder) != std::string_view::npos) {
        return error(text, "holds {tenant} more than once");
      }
      if (!is_literal(segment.literal) || !is_literal(segment.suffix)) {
        return error(text,
                     "the {tenant} segment may hold only a literal prefix, a literal suffix and "
                     "one trailing '*'");
      }
    } else {
      if (!is_literal(part)) {
        return error(text,
                     "a literal segment holds a character that is not allowed (wildcards must be "
                     "a whole segment; the only placeholder is {tenant})");
      }
      segment.literal = std::string(part);
    }
    pattern.segments_.push_back(std::move(segment));
  }
  if (!has_capture) return error(text, "has no {tenant} segment");
  return pattern;
}

bool TenantPattern::ends_with_rest() const {
  return !segments_.empty() && segments_.back().kind == Segment::Kind::kRest;
}

std::size_t TenantPattern::fixed_segment_count() const {
  return ends_with_rest() ? segments_.size() - 1 : segments_.size();
}

MatchResult TenantPattern::match(std::string_view input) const {
  if (!has_no_empty_segment(input)) return MatchResult::no_match();  // not canonical: never guess
  return match_canonical(input, vault::segment_count(input));
}

MatchResult TenantPattern::match_canonical(std::string_view input, std::size_t count) const {
  const std::size_t fixed = fixed_segment_count();
  if (count < fixed) return MatchResult::no_match();
  if (!ends_with_rest() && count != fixed) return MatchResult::no_match();
  // Literals first: a literal mismatch is no match even when the capture is ambiguous.
  const Segment* capture = nullptr;
  std::string_view captured;
  SegmentCursor parts(input);  // walked in place: no vector per pattern per request
  for (std::size_t i = 0; i < fixed; ++i) {
    const Segment& segment = segments_[i];
    const std::string_view part = *parts.next();  // count >= fixed
    switch (segment.kind) {
      case Segment::Kind::kLiteral:
        if (part != segment.literal) return MatchResult::no_match();
        break;
      case Segment::Kind::kCapture:
        capture = &segment;
        captured = part;
        break;
      case Segment::Kind::kOne:
        break;
      case Segment::Kind::kRest:
        assert(false && "'**' is never a fixed segment");
        break;
    }
  }
  assert(capture != nullptr && "compile() requires a {tenant} segment");
  return match_capture(*capture, captured);
}

// Every way the segment splits into prefix + tenant + suffix (+ anything, with a trailing star)
// is a candidate. Exactly one candidate that is a valid tenant id wins; several valid ones, or
// only invalid ones, leave the owner unknown, which callers must reject.
MatchResult TenantPattern::match_capture(const Segment& capture, std::string_view segment) {
  if (!segment.starts_with(capture.literal)) return MatchResult::no_match();
  const std::string_view rest = segment.substr(capture.literal.size());
  std::size_t candidates = 0;
  std::size_t valid = 0;
  std::string_view tenant;
  auto consider = [&](std::string_view candidate) {
    ++candidates;
    if (is_valid_tenant_id(candidate)) {
      ++valid;
      tenant = candidate;
    }
  };
  if (!capture.star) {
    if (rest.size() > capture.suffix.size() && rest.ends_with(capture.suffix)) {
      consider(rest.substr(0, rest.size() - capture.suffix.size()));
    }
  } else {
    // compile() guarantees a non-empty suffix, so each occurrence is one distinct split.
    for (std::size_t at = rest.find(capture.suffix, 1); at != std::string_view::npos;
         at = rest.find(capture.suffix, at + 1)) {
      consider(rest.substr(0, at));
    }
  }
  if (candidates == 0) return MatchResult::no_match();
  if (valid != 1) return MatchResult::ambiguous();
  return MatchResult::of_tenant(std::string(tenant));
}

std::variant<TenantPatternSet, PatternError> TenantPatternSet::compile(
    const std::vector<std::string>& texts) {
  std::vector<TenantPattern> patterns;
  for (const std::string& text : texts) {
    auto compiled = TenantPattern::compile(text);
    if (auto* failure = std::get_if<PatternError>(&compiled)) return std::move(*failure);
    patterns.push_back(std::get<TenantPattern>(std::move(compiled)));
  }
  return TenantPatternSet(std::move(patterns));
}

MatchResult TenantPatternSet::match(std::string_view input) const {
  MatchResult combined = MatchResult::no_match();
  // What every pattern would check first, checked once for all of them.
  if (!has_no_empty_segment(input)) return combined;
  const std::size_t count = segment_count(input);
  for (const TenantPattern& pattern : patterns_) {
    MatchResult result = pattern.match_canonical(input, count);
    switch (result.kind) {
      case MatchResult::Kind::kNoMatch:
        break;
      case MatchResult::Kind::kAmbiguous:
        return result;
      case MatchResult::Kind::kTenant:
        if (combined.kind == MatchResult::Kind::kTenant && combined.tenant != result.tenant) {
          return MatchResult::ambiguous();
        }
        combined = std::move(result);
        break;
    }
  }
  return combined;
}

}  // namespace panguard::vault
