// `{tenant}` patterns: which tenant owns a Vault path, a namespace or a login role.
//
// Syntax: segments separated by '/'. A segment is a literal, `*` (exactly one segment), `**`
// (zero or more segments, only as the last segment) or the one capture segment, which holds
// `{tenant}` exactly once with an optional literal prefix/suffix and an optional trailing `*`
// (`{tenant}-*` for login roles). Matching is segment by segment, never by string prefix, so
// `secret/data/tenants/{tenant}/**` never hands `acme` a path of `acme-evil`. A captured tenant
// must be a DNS label, [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?, like the tenant ids the JWT carries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace panguard::vault {

struct MatchResult {
  enum class Kind : uint8_t {
    kNoMatch,    // the pattern does not describe this input
    kTenant,     // the input belongs to `tenant`
    kAmbiguous,  // it matches, but not to exactly one valid tenant id: callers reject
  };
  Kind kind = Kind::kNoMatch;
  std::string tenant;  // set only for kTenant

  static MatchResult no_match() { return {}; }
  static MatchResult of_tenant(std::string id) { return {Kind::kTenant, std::move(id)}; }
  static MatchResult ambiguous() { return {Kind::kAmbiguous, {}}; }

  bool operator==(const MatchResult&) const = default;
};

struct PatternError {
  std::string message;
};

class TenantPattern {
 public:
  static std::variant<TenantPattern, PatternError> compile(std::string_view text);

  // `input` is a canonical path or name (no empty segments); anything else is kNoMatch.
  MatchResult match(std::string_view input) const;

  const std::string& text() const { return text_; }
  std::size_t segment_count() const { return segments_.size(); }
  bool ends_with_rest() const;
  // Segments before a trailing `**`: how many a matching input has at least.
  std::size_t fixed_segment_count() const;

 private:
  struct Segment {
    enum class Kind : uint8_t { kLiteral, kOne, kRest, kCapture };
    Kind kind = Kind::kLiteral;
    std::string literal;  // kLiteral: the text; kCapture: the prefix before {tenant}
    std::string suffix;   // kCapture: the literal after {tenant}
    bool star = false;    // kCapture: a trailing `*` follows the suffix
  };

  TenantPattern() = default;
  static MatchResult match_capture(const Segment& capture, std::string_view segment);
  // match() for an input already known to be non-empty with no empty segment, and to have
  // `segment_count` segments: TenantPatternSet checks that once for all its patterns.
  MatchResult match_canonical(std::string_view input, std::size_t segment_count) const;

  friend class TenantPatternSet;

  std::string text_;
  std::vector<Segment> segments_;
};

// Several patterns for one kind of input (e.g. vault.tenant_paths). Every pattern is tried; an
// ambiguous match, or two patterns naming different tenants, makes the whole result ambiguous.
class TenantPatternSet {
 public:
  TenantPatternSet() = default;
  explicit TenantPatternSet(std::vector<TenantPattern> patterns) : patterns_(std::move(patterns)) {}

  static std::variant<TenantPatternSet, PatternError> compile(
      const std::vector<std::string>& texts);

  MatchResult match(std::string_view input) const;
  const std::vector<TenantPattern>& patterns() const { return patterns_; }

 private:
  std::vector<TenantPattern> patterns_;
};

}  // namespace panguard::vault
