// Reads YAML rule files into one PackDocument. Pure: the caller supplies file contents.
//
// Files are applied in order. A later file may change an earlier list, macro or rule only with
// an explicit `override:` map (append | replace per key); redefining a name without it is an
// error, so two packs cannot silently shadow each other.
#pragma once

#include <string>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/pack_document.h"

namespace panguard::rules {

// The engine version this build implements; packs requiring a newer one are refused.
inline constexpr uint64_t kEngineVersion = 1;

struct RuleFile {
  std::string path;     // used in diagnostics only
  std::string content;  // YAML text
};

struct DocumentResult {
  PackDocument document;
  std::vector<Diagnostic> diagnostics;  // errors and warnings, in file order
};

DocumentResult load_document(const std::vector<RuleFile>& files);

}  // namespace panguard::rules
