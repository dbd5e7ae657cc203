// Compiled condition nodes: immutable, typed, shareable between rules (macros compile once).
// Each node reads fields by FieldId (an array index), so evaluation does no name lookups.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <re2/re2.h>

#include "rules/event.h"

namespace panguard::rules {

// Per-evaluation memo of shared macro results (see make_memo); evaluate() clears it per event.
// Which string lengths a set of literals has: most non-matching values are rejected by one bit
// test before any comparison or hashing.
class LengthSet {
 public:
  void add(std::size_t length) { bits_ |= bit(length); }
  bool may_contain(std::size_t length) const { return (bits_ & bit(length)) != 0; }

 private:
  static uint64_t bit(std::size_t length) { return uint64_t{1} << (length < 63 ? length : 63); }
  uint64_t bits_ = 0;
};

struct EvalScratch {
  uint64_t known = 0;
  uint64_t value = 0;
};

class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual bool eval(const Event& event, EvalScratch& scratch) const = 0;
  // One-off evaluation with a fresh memo (tests, tools).
  bool matches(const Event& event) const {
    EvalScratch scratch;
    return eval(event, scratch);
  }
  // Fields that must be present for the predicate to be true (absent fields make every
  // comparison false). The evaluator skips a rule when the event lacks one of them.
  virtual FieldMask required_fields() const { return {}; }
  // Rough relative evaluation cost (1 = a presence or integer test); orders conjunctions.
  virtual int cost() const { return 1; }
  // Canonical text: equal conditions print equally (used for shadowing checks and `rules check`).
  virtual std::string describe() const = 0;
};

using PredicatePtr = std::shared_ptr<const Predicate>;

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class StringOp { kStartsWith, kEndsWith, kContains };

std::string_view compare_op_text(CompareOp op);

PredicatePtr make_constant(bool value);
PredicatePtr make_and(std::vector<PredicatePtr> children);
PredicatePtr make_or(std::vector<PredicatePtr> children);
PredicatePtr make_not(PredicatePtr child);
// Wraps a macro shared by several rules so it runs once per evaluation. Slots are per pack;
// past kMaxMemoSlots the macro is simply not memoized.
inline constexpr unsigned kMaxMemoSlots = 64;
PredicatePtr make_memo(unsigned slot, PredicatePtr child);
PredicatePtr make_exists(FieldId field);
PredicatePtr make_string_compare(FieldId field, CompareOp op, std::string literal);  // = and !=
PredicatePtr make_int_compare(FieldId field, CompareOp op, int64_t literal);
PredicatePtr make_bool_compare(FieldId field, CompareOp op, bool literal);  // = and !=
PredicatePtr make_field_compare(FieldId left, CompareOp op, FieldId right);
PredicatePtr make_string_op(FieldId field, StringOp op, std::string literal);
PredicatePtr make_string_in(FieldId field, std::vector<std::string> values);
PredicatePtr make_int_in(FieldId field, std::vector<int64_t> values);
// nullptr with `error` set when the pattern is too long for the matcher.
PredicatePtr make_glob(FieldId field, std::string_view pattern, std::string& error);
PredicatePtr make_path_match(FieldId field, std::vector<std::string> prefixes);
// nullptr with `error` set when RE2 rejects the pattern.
PredicatePtr make_regex(FieldId field, const std::string& pattern, std::string& error);

// Introspection used by the compiler's index and lint passes.
struct EqualityKey {
  FieldId field;
  std::vector<std::string> values;  // the event's value must be one of these
};
// For `field = "x"` or `field in ("x", "y")` on a string field; nullopt otherwise.
std::optional<EqualityKey> equality_key(const Predicate& predicate);
// Children of an `and` node; nullptr for other nodes.
const std::vector<PredicatePtr>* and_children(const Predicate& predicate);
// Constant value when the node is a constant.
std::optional<bool> constant_value(const Predicate& predicate);

// Glob matching: '*' within a segment, '**' across segments, '?' one non-'/' character, every
// other byte literal. Compiled once at load into per-byte state masks.
class GlobPattern {
 public:
  static constexpr unsigned kMaxElements = 63;  // states fit one uint64_t
  static std::optional<GlobPattern> compile(std::string_view pattern);
  bool match(std::string_view text) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::array<uint64_t, 256> accepts_{};  // byte -> elements that consume it
  uint64_t star_ = 0;                    // elements that loop on themselves
  uint64_t final_ = 0;                   // the accepting state
};

// Convenience for tests: false when the pattern does not compile.
bool glob_match(std::string_view pattern, std::string_view text);
// Segment-aware prefix: text == prefix or text starts with prefix + "/".
bool path_prefix_match(std::string_view prefix, std::string_view text);

}  // namespace panguard::rules
