// Internal to the pack loader: reads one rule file into a YAML tree that keeps the source
// position of every node and of every character of every scalar.
//
// Reading is strict: anchors, aliases, explicit tags and extra documents are refused, so every
// value a reviewer sees in the file is exactly where it is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/pack_document.h"
#include "rules/pack_loader.h"

namespace panguard::rules::loader {

struct YamlNode {
  enum class Kind : uint8_t {
    kNull,
    kScalar,
    kSequence,
    kMap,
    kInvalid,  // refused while reading; the reason is already reported
  };
  Kind kind = Kind::kNull;
  SourcePos pos;
  LocatedText scalar;            // kScalar: the value, located character by character
  bool plain = false;            // kScalar: written without quotes or a block indicator
  std::vector<YamlNode> keys;    // kMap: keys, paired by index with `values`
  std::vector<YamlNode> values;  // kSequence: items; kMap: values
};

// The raw text of one file, to map yaml-cpp marks (0-based line/column) back to offsets.
class SourceText {
 public:
  SourceText(std::string file, std::string_view content);  // skips a UTF-8 byte order mark

  std::string_view text() const { return text_; }
  std::optional<std::size_t> offset_of(int line, int column) const;  // 0-based input
  SourcePos position_at(std::size_t offset) const;                   // 1-based output
  std::size_t end_of_line(std::size_t offset) const;  // offset of the '\n' (or '\r\n'), or size

 private:
  std::string file_;
  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

// Locates `value`, the scalar whose node starts at `start` (its first character, opening quote
// or block indicator). Falls back to one anchor at `start` when the raw text cannot be aligned
// with the value.
LocatedText locate_scalar(const SourceText& source, std::size_t start, const std::string& value);

// Reads one file. nullopt when the file holds no document or could not be read; every problem
// is reported in `diagnostics`.
std::optional<YamlNode> read_yaml(const RuleFile& file, std::vector<Diagnostic>& diagnostics);

}  // namespace panguard::rules::loader
