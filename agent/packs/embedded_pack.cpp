#include "agent/packs/embedded_pack.h"

namespace panguard::agent {

std::vector<rules::RuleFile> embedded_default_pack() {
  std::vector<rules::RuleFile> files;
  for (const EmbeddedFile& file : embedded_default_pack_files()) {
    files.push_back(rules::RuleFile{
        file.path, std::string(reinterpret_cast<const char*>(file.data), file.size)});
  }
  return files;
}

}  // namespace panguard::agent
