#include "rules/output_template.h"

namespace panguard::rules {
namespace {

bool is_field_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

}  // namespace

std::string escape_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string OutputTemplate::parse(std::string_view text, OutputTemplate& out,
                                  std::size_t* error_offset) {
  out.pieces_.clear();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) out.pieces_.emplace_back(Literal{std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '%') {
      literal += text[i++];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '%') {
      literal += '%';
      i += 2;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && is_field_char(text[end])) ++end;
    // A trailing '.' ends the sentence, not the field name ("read %vault.path.").
    while (end > i + 1 && text[end - 1] == '.') --end;
    const std::string_view name = text.substr(i + 1, end - i - 1);
    auto id = find_field(name);
    if (!id) {
      if (error_offset) *error_offset = i;
      return name.empty() ? "'%' must be followed by a field name (write %% for a percent sign)"
                          : "unknown field '%" + std::string(name) + "' in output";
    }
    flush();
    out.pieces_.emplace_back(*id);
    i = end;
  }
  flush();
  return "";
}

std::string OutputTemplate::render(const Event& event) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (auto* lit = std::get_if<Literal>(&piece)) {
      out += lit->text;
    } else {
      out += render_value(event.get(std::get<FieldId>(piece)));
    }
  }
  return out;
}

std::vector<FieldId> OutputTemplate::fields() const {
  std::vector<FieldId> out;
  for (const Piece& piece : pieces_) {
    if (auto* id = std::get_if<FieldId>(&piece)) out.push_back(*id);
  }
  return out;
}

}  // namespace panguard::rules
