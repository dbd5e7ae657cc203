// Recursive-descent parser for the condition language (docs/rule-language.md):
//   expr    := and_expr ("or" and_expr)*
//   and_expr:= unary ("and" unary)*
//   unary   := "not" unary | "(" expr ")" | predicate
//   predicate := FIELD "exists" | FIELD OP value | FIELD ("in"|"pmatch") "(" items ")" | MACRO
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "rules/condition_ast.h"

namespace panguard::rules {

inline constexpr int kMaxConditionDepth = 64;

struct ParseError {
  std::string message;
  std::size_t offset = 0;
};

// nullptr with `error` filled when the text is not a well-formed condition.
std::unique_ptr<AstNode> parse_condition(std::string_view text, ParseError& error);

// Operators that take a single value on their right-hand side.
bool is_binary_operator(std::string_view word);
// Operators that take a parenthesized list.
bool is_list_operator(std::string_view word);

}  // namespace panguard::rules
