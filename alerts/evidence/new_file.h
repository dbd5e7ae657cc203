// Files written once: keys and evidence exports appear whole or not at all, and never replace an
// existing file (an overwritten key or export would be a silent loss).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace panguard::alerts::evidence {

// Writes `bytes` to a temporary file next to `path`, fsyncs it, then links it to `path` (fails
// if `path` exists), removes the temporary name and syncs the directory. `mode` is applied
// exactly (not narrowed by the umask). Returns an error message, or empty on success.
std::string write_new_file(const std::string& path, std::string_view bytes, mode_t mode);

// Reads a whole file of at most `max_bytes`. Returns an error message, or empty on success.
std::string read_small_file(const std::string& path, std::size_t max_bytes, std::string& out);

}  // namespace panguard::alerts::evidence
