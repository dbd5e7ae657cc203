// Errors and warnings found while loading or compiling a rule pack, always with a position.
#pragma once

#include <string>
#include <vector>

namespace panguard::rules {

struct SourcePos {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based; 0 when unknown
};

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string message;

  // "file:line:col: error: message"
  std::string to_string() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace panguard::rules
