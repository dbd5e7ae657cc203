// Cgroup paths from the config (relative to the cgroup v2 root: sensor.watched_cgroups,
// enforce.allowed_cgroups, enforce.attach_cgroup) -> the directories and ids the kernel
// programs use. The id of a cgroup v2 directory is its inode number.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace panguard::agent::sensor {

// `root` + "/" + `relative` ("" is the root itself).
std::string cgroup_directory(const std::string& root, const std::string& relative);

// The id of each directory, in order; an error names the first path that is not a directory.
std::variant<std::vector<uint64_t>, std::string> resolve_cgroup_ids(
    const std::string& root, const std::vector<std::string>& relative_paths);

}  // namespace panguard::agent::sensor
