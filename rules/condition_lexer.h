// Tokens of the condition language. Offsets index the condition text so errors can point at
// the exact column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace panguard::rules {

struct Token {
  enum class Kind { kLParen, kRParen, kComma, kOperator, kWord, kString, kEnd };
  Kind kind;
  std::string text;  // operator spelling, bare word, or the unescaped string value
  std::size_t offset;
};

struct LexError {
  std::string message;
  std::size_t offset;
};

// Returns false and fills `error` on an unterminated string, a bad escape, or a byte that
// cannot start a token. Control bytes and non-ASCII are only allowed inside quoted strings.
bool tokenize_condition(std::string_view text, std::vector<Token>& tokens, LexError& error);

bool is_bare_word_char(char c);

}  // namespace panguard::rules
