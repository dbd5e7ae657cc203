#include "agent/sources/bpf/cgroup_selection.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace panguard::agent::sensor {

std::string cgroup_directory(const std::string& root, const std::string& relative) {
  return relative.empty() ? root : root + "/" + relative;
}

std::variant<std::vector<uint64_t>, std::string> resolve_cgroup_ids(
    const std::string& root, const std::vector<std::string>& relative_paths) {
  std::vector<uint64_t> ids;
  for (const std::string& relative : relative_paths) {
    const std::string dir = cgroup_directory(root, relative);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return dir + ": " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return dir + ": not a cgroup directory";
    ids.push_back(static_cast<uint64_t>(st.st_ino));
  }
  return ids;
}

}  // namespace panguard::agent::sensor
