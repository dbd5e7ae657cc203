// The default rule pack, compiled into the binary from rules/packs/default/*.yaml (sorted) by
// agent/cmake/embed_files.cmake, so `panguard run` works with no files on disk.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "rules/pack_loader.h"

namespace panguard::agent {

struct EmbeddedFile {
  const char* path;  // repository-relative, e.g. "rules/packs/default/vault.yaml"
  const unsigned char* data;
  std::size_t size;
};

// Defined in the generated embedded_default_pack.cpp.
std::span<const EmbeddedFile> embedded_default_pack_files();

std::vector<rules::RuleFile> embedded_default_pack();

}  // namespace panguard::agent
