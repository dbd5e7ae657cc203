#include "agent/identity/cgroup_paths.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace panguard::agent::identity {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
        text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

constexpr int kMaxDepth = 64;

// Depth-first walk of the cgroup directories under dir_fd (closed on return). Cgroups vanish
// while we walk: every error skips that entry and carries on.
void walk(int dir_fd, const std::string& prefix, int depth,
          std::unordered_map<uint64_t, std::string>& out) {
  DIR* dir = ::fdopendir(dir_fd);
  if (!dir) {
    ::close(dir_fd);
    return;
  }
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN) continue;  // cgroup files
    const int child =
        ::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) continue;
    struct stat st {};
    if (::fstat(child, &st) != 0) {
      ::close(child);
      continue;
    }
    std::string path = prefix + "/" + std::string(name);
    out.emplace(static_cast<uint64_t>(st.st_ino), path);
    if (depth + 1 < kMaxDepth) {
      walk(child, path, depth + 1, out);
    } else {
      ::close(child);
    }
  }
  ::closedir(dir);
}

std::optional<uint64_t> inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return static_cast<uint64_t>(st.st_ino);
}

}  // namespace

std::optional<std::string> find_unified_mount(std::string_view mountinfo) {
  std::optional<std::string> found;
  std::istringstream lines{std::string(mountinfo)};
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string field;
    while (fields >> field) parts.push_back(field);
    std::size_t dash = 0;
    for (std::size_t i = 6; i < parts.size(); ++i) {
      if (parts[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || dash + 1 >= parts.size() || parts[dash + 1] != "cgroup2") continue;
    // Prefer a mount of the hierarchy's root ("/") over a bind mount of a sub-tree.
    if (parts[3] != "/") {
      if (!found) found = unescape_octal(parts[4]);
      continue;
    }
    return unescape_octal(parts[4]);
  }
  return found;
}

std::optional<std::string> detect_unified_mount() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return find_unified_mount(text.str());
}

CgroupPaths::CgroupPaths(std::string unified_root, std::chrono::milliseconds negative_ttl)
    : root_(std::move(unified_root)), negative_ttl_(negative_ttl) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::optional<std::string> CgroupPaths::path_of(uint64_t cgroup_id) {
  std::lock_guard lock(mutex_);
  if (auto hit = cache_.find(cgroup_id); hit != cache_.end()) {
    const std::string full = hit->second == "/" ? root_ : root_ + hit->second;
    if (inode_of(full) == cgroup_id) return hit->second;
    cache_.erase(hit);  // gone, or the name now belongs to another cgroup
  }
  const auto now = std::chrono::steady_clock::now();
  if (auto miss = misses_.find(cgroup_id); miss != misses_.end()) {
    if (now - miss->second < negative_ttl_) return std::nullopt;
    misses_.erase(miss);
  }
  rescan_locked();
  if (auto hit = cache_.find(cgroup_id); hit != cache_.end()) return hit->second;
  if (misses_.size() > 4096) misses_.clear();  // bounded: ids of long-gone cgroups
  misses_.emplace(cgroup_id, now);
  return std::nullopt;
}

std::size_t CgroupPaths::rescan() {
  std::lock_guard lock(mutex_);
  return rescan_locked();
}

std::size_t CgroupPaths::rescans() const {
  std::lock_guard lock(mutex_);
  return rescans_;
}

std::size_t CgroupPaths::rescan_locked() {
  ++rescans_;
  std::unordered_map<uint64_t, std::string> fresh;
  const int root_fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd >= 0) {
    struct stat st {};
    if (::fstat(root_fd, &st) == 0) fresh.emplace(static_cast<uint64_t>(st.st_ino), "/");
    walk(root_fd, "", 0, fresh);  // takes ownership of root_fd
  }
  cache_ = std::move(fresh);
  return cache_.size();
}

}  // namespace panguard::agent::identity
