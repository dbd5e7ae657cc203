#include "rules/diagnostic.h"

#include <algorithm>

namespace panguard::rules {

std::string Diagnostic::to_string() const {
  std::string out = pos.file.empty() ? "<input>" : pos.file;
  if (pos.line > 0) {
    out += ':' + std::to_string(pos.line);
    if (pos.col > 0) out += ':' + std::to_string(pos.col);
  }
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  out += message;
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

}  // namespace panguard::rules
