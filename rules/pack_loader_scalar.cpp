// Maps each character of a parsed YAML scalar back to its line and column in the file.
//
// yaml-cpp gives only the position where a scalar starts. Conditions are often folded or literal
// block scalars spanning several lines, and errors inside them must point at the right line, so
// the raw text is walked alongside the parsed value: each source line's content is matched
// against the value, and an anchor is recorded wherever the two line up again (start of a line,
// after an escape sequence). Whatever YAML folded away (indentation, line breaks, trailing
// blanks) sits between anchors. If the walk cannot account for the whole value, the scalar gets a
// single anchor at its start rather than wrong positions.
#include "rules/pack_loader_yaml.h"

#include <algorithm>

namespace panguard::rules::loader {

SourceText::SourceText(std::string file, std::string_view content) : file_(std::move(file)) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (content.starts_with(kByteOrderMark)) content.remove_prefix(kByteOrderMark.size());
  text_ = content;
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::optional<std::size_t> SourceText::offset_of(int line, int column) const {
  if (line < 0 || column < 0 || static_cast<std::size_t>(line) >= line_starts_.size()) {
    return std::nullopt;
  }
  const std::size_t offset = line_starts_[static_cast<std::size_t>(line)] + column;
  if (offset > text_.size()) return std::nullopt;
  return offset;
}

SourcePos SourceText::position_at(std::size_t offset) const {
  auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line = static_cast<std::size_t>(next_line - line_starts_.begin());  // 1-based
  const std::size_t line_start = line_starts_[line - 1];
  return SourcePos{file_, static_cast<int>(line), static_cast<int>(offset - line_start + 1)};
}

std::size_t SourceText::end_of_line(std::size_t offset) const {
  const std::size_t newline = std::min(text_.find('\n', offset), text_.size());
  if (newline > offset && text_[newline - 1] == '\r') return newline - 1;
  return newline;
}

namespace {

enum class Style { kPlain, kSingleQuoted, kDoubleQuoted, kBlock };

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_separator(char c) { return is_blank(c) || c == '\n'; }

Style style_at(std::string_view text, std::size_t start) {
  if (start >= text.size()) return Style::kPlain;
  switch (text[start]) {
    case '\'':
      return Style::kSingleQuoted;
    case '"':
      return Style::kDoubleQuoted;
    case '|':
    case '>':
      return Style::kBlock;
    default:
      return Style::kPlain;
  }
}

std::size_t utf8_length(uint32_t code_point) {
  if (code_point < 0x80) return 1;
  if (code_point < 0x800) return 2;
  if (code_point < 0x10000) return 3;
  return 4;
}

std::optional<uint32_t> parse_hex(std::string_view digits) {
  uint32_t value = 0;
  for (char c : digits) {
    uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value * 16 + digit;
  }
  return value;
}

// Lengths of one double-quoted escape sequence in the source and in the parsed value.
struct EscapeLengths {
  std::size_t raw = 0;
  std::size_t parsed = 0;
};

std::optional<EscapeLengths> escape_lengths(std::string_view escape) {
  if (escape.size() < 2) return std::nullopt;
  std::size_t hex_digits = 0;
  switch (escape[1]) {
    case 'x':
      hex_digits = 2;
      break;
    case 'u':
      hex_digits = 4;
      break;
    case 'U':
      hex_digits = 8;
      break;
    case 'N':  // U+0085
    case '_':  // U+00A0
      return EscapeLengths{2, 2};
    case 'L':  // U+2028
    case 'P':  // U+2029
      return EscapeLengths{2, 3};
    default:
      return EscapeLengths{2, 1};
  }
  if (escape.size() < 2 + hex_digits) return std::nullopt;
  auto code_point = parse_hex(escape.substr(2, hex_digits));
  if (!code_point) return std::nullopt;
  return EscapeLengths{2 + hex_digits, utf8_length(*code_point)};
}

class ScalarAligner {
 public:
  ScalarAligner(const SourceText& source, const std::string& value, Style style)
      : source_(source), text_(source.text()), value_(value), style_(style) {}

  // Walks source lines from `content_start`; true when the whole value was accounted for.
  bool align(std::size_t content_start) {
    std::size_t line_start = content_start;
    bool first_line = style_ != Style::kBlock;
    if (!first_line) line_start = next_line(content_start);  // skip the `|` or `>` header
    while (!value_consumed()) {
      if (line_start >= text_.size()) return false;
      const std::size_t line_end = source_.end_of_line(line_start);
      std::size_t begin = line_start;
      // Only a scalar's first line starts exactly at content; later lines lose indentation.
      if (!first_line) begin = skip_blanks(begin, line_end);
      first_line = false;
      if (begin < line_end) {
        skip_value_separators();
        if (!match_line(begin, line_end)) return false;
      }
      line_start = next_line(line_end);
    }
    return true;
  }

  bool located() const { return !anchors_.empty(); }
  LocatedText take() { return LocatedText{value_, std::move(anchors_)}; }

 private:
  std::size_t next_line(std::size_t offset) const {
    const std::size_t newline = text_.find('\n', offset);
    return newline == std::string_view::npos ? text_.size() : newline + 1;
  }

  std::size_t skip_blanks(std::size_t offset, std::size_t end) const {
    while (offset < end && is_blank(text_[offset])) ++offset;
    return offset;
  }

  void skip_value_separators() {
    while (parsed_ < value_.size() && is_separator(value_[parsed_])) ++parsed_;
  }

  bool value_consumed() const {
    return std::all_of(value_.begin() + static_cast<std::ptrdiff_t>(parsed_), value_.end(),
                       is_separator);
  }

  void anchor(std::size_t raw) { anchors_.emplace_back(parsed_, source_.position_at(raw)); }

  // Matches one line's content [raw, end) against the value from parsed_.
  bool match_line(std::size_t raw, std::size_t end) {
    anchor(raw);
    while (raw < end && parsed_ < value_.size()) {
      const char c = text_[raw];
      if (style_ == Style::kDoubleQuoted && c == '\\') {
        if (raw + 1 == end) return true;  // escaped line break: the next line follows directly
        if (!skip_escape(raw, end)) return false;
        anchor(raw);
      } else if (style_ == Style::kSingleQuoted && c == '\'') {
        if (raw + 1 >= end || text_[raw + 1] != '\'' || value_[parsed_] != '\'') return false;
        raw += 2;
        ++parsed_;
        anchor(raw);
      } else if (c == value_[parsed_]) {
        ++raw;
        ++parsed_;
      } else {
        break;
      }
    }
    // Past the value there may be a closing quote or a comment; inside it only trailing blanks,
    // which folding drops.
    return parsed_ == value_.size() || skip_blanks(raw, end) == end;
  }

  bool skip_escape(std::size_t& raw, std::size_t end) {
    auto lengths = escape_lengths(text_.substr(raw, std::min<std::size_t>(10, end - raw)));
    if (!lengths || parsed_ + lengths->parsed > value_.size()) return false;
    raw += lengths->raw;
    parsed_ += lengths->parsed;
    return true;
  }

  const SourceText& source_;
  std::string_view text_;
  const std::string& value_;
  Style style_;
  std::size_t parsed_ = 0;  // offset in value_
  std::vector<std::pair<std::size_t, SourcePos>> anchors_;
};

}  // namespace

LocatedText locate_scalar(const SourceText& source, std::size_t start, const std::string& value) {
  const Style style = style_at(source.text(), start);
  const bool quoted = style == Style::kSingleQuoted || style == Style::kDoubleQuoted;
  const std::size_t content_start = quoted ? start + 1 : start;
  ScalarAligner aligner(source, value, style);
  if (aligner.align(content_start) && aligner.located()) return aligner.take();
  return LocatedText::at(value, source.position_at(std::min(content_start, source.text().size())));
}

}  // namespace panguard::rules::loader
