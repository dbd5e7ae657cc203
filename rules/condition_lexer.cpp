#include "rules/condition_lexer.h"

namespace panguard::rules {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Reads a quoted string starting at text[pos] (the quote). Escapes: \\ \" \' \n \t.
bool read_string(std::string_view text, std::size_t& pos, std::string& out, LexError& error) {
  const char quote = text[pos];
  const std::size_t start = pos++;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == quote) {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (pos + 1 >= text.size()) break;
      const char e = text[pos + 1];
      switch (e) {
        case '\\':
        case '"':
        case '\'':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        default:
          error = {std::string("unknown escape '\\") + e + "' in string", pos};
          return false;
      }
      pos += 2;
      continue;
    }
    out += c;
    ++pos;
  }
  error = {"unterminated string", start};
  return false;
}

}  // namespace

bool is_bare_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '/' || c == '.' || c == ':' || c == '*' || c == '?' || c == '@';
}

bool tokenize_condition(std::string_view text, std::vector<Token>& tokens, LexError& error) {
  tokens.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (is_space(c)) {
      ++pos;
    } else if (c == '(') {
      tokens.push_back({Token::Kind::kLParen, "(", pos++});
    } else if (c == ')') {
      tokens.push_back({Token::Kind::kRParen, ")", pos++});
    } else if (c == ',') {
      tokens.push_back({Token::Kind::kComma, ",", pos++});
    } else if (c == '"' || c == '\'') {
      Token token{Token::Kind::kString, "", pos};
      if (!read_string(text, pos, token.text, error)) return false;
      tokens.push_back(std::move(token));
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      const bool two = pos + 1 < text.size() && text[pos + 1] == '=';
      if (c == '!' && !two) {
        error = {"'!' must be followed by '=' (use 'not' for negation)", pos};
        return false;
      }
      tokens.push_back({Token::Kind::kOperator, std::string(text.substr(pos, two ? 2 : 1)), pos});
      pos += two ? 2 : 1;
    } else if (is_bare_word_char(c)) {
      const std::size_t start = pos;
      while (pos < text.size() && is_bare_word_char(text[pos])) ++pos;
      tokens.push_back({Token::Kind::kWord, std::string(text.substr(start, pos - start)), start});
    } else {
      error = {"unexpected character '" + std::string(1, c) + "'", pos};
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        error.message = "unexpected byte outside a quoted string";
      }
      return false;
    }
  }
  tokens.push_back({Token::Kind::kEnd, "", text.size()});
  return true;
}

}  // namespace panguard::rules
