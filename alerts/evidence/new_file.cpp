#include "alerts/evidence/new_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace panguard::alerts::evidence {
namespace {

std::string errno_message(const std::string& path) { return path + ": " + std::strerror(errno); }

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string write_new_file(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  const std::string temp =
      (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(std::random_device{}())))
          .string();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return errno_message(temp);
  // fchmod: the umask may have narrowed a public file's mode; a secret's mode is never widened.
  const bool written = write_all(fd, bytes) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  const std::string write_error = written ? std::string() : errno_message(temp);
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return write_error;
  }
  // link(2) refuses an existing target, where rename(2) would silently replace it.
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const std::string error =
        errno == EEXIST ? path + ": already exists; refusing to overwrite it" : errno_message(path);
    ::unlink(temp.c_str());
    return error;
  }
  ::unlink(temp.c_str());
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

std::string read_small_file(const std::string& path, std::size_t max_bytes, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_message(path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return path + ": not a regular file";
  }
  out.clear();
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = errno_message(path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return path + ": larger than " + std::to_string(max_bytes) + " bytes";
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {};
}

}  // namespace panguard::alerts::evidence
