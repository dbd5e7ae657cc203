// Syntax tree of one condition, before names are resolved. Produced by parse_condition(),
// consumed by the compiler (which expands macros and lists and checks types).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace panguard::rules {

struct Operand {
  enum class Kind { kQuoted, kBare, kList };
  Kind kind = Kind::kBare;
  std::string text;            // kQuoted / kBare
  std::vector<Operand> items;  // kList: kQuoted or kBare items
  std::size_t offset = 0;
};

struct AstNode {
  enum class Kind { kAnd, kOr, kNot, kMacro, kCompare, kExists };
  Kind kind;
  std::size_t offset = 0;
  std::vector<std::unique_ptr<AstNode>> children;  // kAnd, kOr (2+), kNot (1)
  std::string name;  // kMacro: macro name; kCompare, kExists: field name
  std::string op;    // kCompare: "=", "!=", "<", ..., "in", "startswith", ...
  Operand operand;   // kCompare
};

}  // namespace panguard::rules
