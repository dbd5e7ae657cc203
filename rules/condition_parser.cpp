#include "rules/condition_parser.h"

#include <array>
#include <vector>

#include "rules/condition_lexer.h"

namespace panguard::rules {
namespace {

constexpr std::array<std::string_view, 12> kBinaryOperators = {
    "=", "==", "!=", "<", "<=", ">", ">=", "startswith", "endswith", "contains", "glob", "regex"};
constexpr std::array<std::string_view, 2> kListOperators = {"in", "pmatch"};
constexpr std::array<std::string_view, 4> kKeywords = {"and", "or", "not", "exists"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view word) {
  for (auto w : set) {
    if (w == word) return true;
  }
  return false;
}

bool is_reserved(std::string_view word) {
  return contains(kKeywords, word) || contains(kBinaryOperators, word) ||
         contains(kListOperators, word);
}

struct Failure {
  ParseError error;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::unique_ptr<AstNode> parse() {
    auto node = parse_or(0);
    if (peek().kind != Token::Kind::kEnd) fail("expected 'and', 'or' or end of condition");
    return node;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool peek_word(std::string_view word) const {
    return peek().kind == Token::Kind::kWord && peek().text == word;
  }
  [[noreturn]] void fail(std::string message) const {
    throw Failure{{std::move(message), peek().offset}};
  }

  std::unique_ptr<AstNode> parse_or(int depth) {
    return parse_chain(AstNode::Kind::kOr, "or", depth, &Parser::parse_and);
  }

  std::unique_ptr<AstNode> parse_and(int depth) {
    return parse_chain(AstNode::Kind::kAnd, "and", depth, &Parser::parse_unary);
  }

  // operand (keyword operand)*, as one n-ary node when the keyword appears.
  std::unique_ptr<AstNode> parse_chain(AstNode::Kind kind, std::string_view keyword, int depth,
                                       std::unique_ptr<AstNode> (Parser::*operand)(int)) {
    auto first = (this->*operand)(depth);
    if (!peek_word(keyword)) return first;
    auto node = std::make_unique<AstNode>();
    node->kind = kind;
    node->offset = first->offset;
    node->children.push_back(std::move(first));
    while (peek_word(keyword)) {
      take();
      node->children.push_back((this->*operand)(depth));
    }
    return node;
  }

  std::unique_ptr<AstNode> parse_unary(int depth) {
    if (depth > kMaxConditionDepth) fail("condition nested too deeply");
    if (peek_word("not")) {
      const std::size_t offset = take().offset;
      auto node = std::make_unique<AstNode>();
      node->kind = AstNode::Kind::kNot;
      node->offset = offset;
      node->children.push_back(parse_unary(depth + 1));
      return node;
    }
    if (peek().kind == Token::Kind::kLParen) {
      take();
      auto node = parse_or(depth + 1);
      if (peek().kind != Token::Kind::kRParen) fail("expected ')'");
      take();
      return node;
    }
    return parse_predicate();
  }

  std::unique_ptr<AstNode> parse_predicate() {
    if (peek().kind != Token::Kind::kWord || is_reserved(peek().text)) {
      fail(peek().kind == Token::Kind::kEnd ? "unexpected end of condition"
                                            : "expected a field, a macro, 'not' or '('");
    }
    const Token& name = take();
    auto node = std::make_unique<AstNode>();
    node->offset = name.offset;
    node->name = name.text;
    const Token& next = peek();
    if (next.kind == Token::Kind::kOperator ||
        (next.kind == Token::Kind::kWord &&
         (contains(kBinaryOperators, next.text) || contains(kListOperators, next.text)))) {
      node->kind = AstNode::Kind::kCompare;
      node->op = take().text;
      if (node->op == "==") node->op = "=";
      node->operand = contains(kListOperators, node->op) ? parse_list() : parse_value();
    } else if (next.kind == Token::Kind::kWord && next.text == "exists") {
      take();
      node->kind = AstNode::Kind::kExists;
    } else {
      node->kind = AstNode::Kind::kMacro;
    }
    return node;
  }

  Operand parse_value() {
    const Token& token = peek();
    if (token.kind == Token::Kind::kString) {
      take();
      return {Operand::Kind::kQuoted, token.text, {}, token.offset};
    }
    if (token.kind == Token::Kind::kWord && !is_reserved(token.text)) {
      take();
      return {Operand::Kind::kBare, token.text, {}, token.offset};
    }
    if (token.kind == Token::Kind::kLParen) fail("a list needs 'in' or 'pmatch'");
    fail("expected a value");
  }

  Operand parse_list() {
    Operand list{Operand::Kind::kList, "", {}, peek().offset};
    if (peek().kind != Token::Kind::kLParen) fail("expected '(' to start a list");
    take();
    if (peek().kind == Token::Kind::kRParen) {
      take();
      return list;
    }
    while (true) {
      list.items.push_back(parse_value());
      if (peek().kind == Token::Kind::kRParen) {
        take();
        return list;
      }
      if (peek().kind != Token::Kind::kComma) fail("expected ',' or ')' in list");
      take();
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_binary_operator(std::string_view word) { return contains(kBinaryOperators, word); }
bool is_list_operator(std::string_view word) { return contains(kListOperators, word); }

std::unique_ptr<AstNode> parse_condition(std::string_view text, ParseError& error) {
  std::vector<Token> tokens;
  LexError lex_error;
  if (!tokenize_condition(text, tokens, lex_error)) {
    error = {lex_error.message, lex_error.offset};
    return nullptr;
  }
  try {
    return Parser(std::move(tokens)).parse();
  } catch (const Failure& failure) {
    error = failure.error;
    return nullptr;
  }
}

}  // namespace panguard::rules
