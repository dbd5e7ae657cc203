// Compiled condition nodes: immutable, typed, shareable between rules (macros compile once).
// Each node reads fields by FieldId (an array index), so evaluation does no name lookups.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <re2/re2.h>

#include "rules/event.h"

namespace panguard::rules {

class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual bool eval(const Event& event) const = 0;
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
PredicatePtr make_exists(FieldId field);
PredicatePtr make_string_compare(FieldId field, CompareOp op, std::string literal);  // = and !=
PredicatePtr make_int_compare(FieldId field, CompareOp op, int64_t literal);
PredicatePtr make_bool_compare(FieldId field, CompareOp op, bool literal);  // = and !=
PredicatePtr make_field_compare(FieldId left, CompareOp op, FieldId right);
PredicatePtr make_string_op(FieldId field, StringOp op, std::string literal);
PredicatePtr make_string_in(FieldId field, std::vector<std::string> values);
PredicatePtr make_int_in(FieldId field, std::vector<int64_t> values);
PredicatePtr make_glob(FieldId field, std::string pattern);
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

// Glob matching: '*' within a segment, '**' across segments, '?' one non-'/' character.
bool glob_match(std::string_view pattern, std::string_view text);
// Segment-aware prefix: text == prefix or text starts with prefix + "/".
bool path_prefix_match(std::string_view prefix, std::string_view text);

}  // namespace panguard::rules
