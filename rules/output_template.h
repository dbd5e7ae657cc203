// Rule output templates: "%field" substitutes the event's value. Substitution is one pass over
// the template, so a value containing "%" is never re-expanded, and control and non-ASCII bytes
// in values are escaped (\xNN) so attacker-chosen paths or subjects cannot forge log lines.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/event.h"

namespace panguard::rules {

class OutputTemplate {
 public:
  struct Literal {
    std::string text;
  };
  using Piece = std::variant<Literal, FieldId>;

  OutputTemplate() = default;
  // Unknown field names are errors; "%%" is a literal percent. Returns an error message or "".
  static std::string parse(std::string_view text, OutputTemplate& out,
                           std::size_t* error_offset = nullptr);

  std::string render(const Event& event) const;
  std::span<const Piece> pieces() const { return pieces_; }
  std::vector<FieldId> fields() const;

 private:
  std::vector<Piece> pieces_;
};

// Escapes control bytes, backslash and non-ASCII as \xNN.
std::string escape_value(std::string_view value);

}  // namespace panguard::rules
