// Walks a '/'-separated path one segment at a time, without splitting it into a vector: the
// Vault proxy looks at every request's path several times, and a vector per look was a heap
// allocation (or several, as it grew) per request. Segments are views into the walked text.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>

namespace panguard::vault {

// Yields exactly what splitting on every '/' would: "a//b/" gives "a", "", "b", "" and "" gives
// one empty segment.
class SegmentCursor {
 public:
  explicit SegmentCursor(std::string_view path) : rest_(path) {}

  // The next segment, or nullopt after the last one.
  std::optional<std::string_view> next() {
    if (done_) return std::nullopt;
    const std::size_t slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    const std::string_view segment = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return segment;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// How many segments splitting on '/' gives: one more than there are slashes.
inline std::size_t segment_count(std::string_view path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1;
}

// True when no segment is empty: no leading, trailing or doubled '/', and not empty itself.
inline bool has_no_empty_segment(std::string_view path) {
  return !path.empty() && path.front() != '/' && path.back() != '/' &&
         path.find("//") == std::string_view::npos;
}

}  // namespace panguard::vault
