#include "agent/identity/kube/watch_stream.h"

namespace panguard::agent::identity::kube {
namespace {

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string too_long(std::size_t limit) {
  return "watch object longer than " + std::to_string(limit) + " bytes";
}

}  // namespace

std::string WatchLineFramer::feed(std::string_view bytes,
                                  const std::function<bool(std::string_view)>& on_object) {
  if (broken_) return "watch stream already abandoned";
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    // Checked before copying, so a hostile stream never makes the buffer grow past the bound.
    if (partial_.size() + piece.size() > max_object_bytes_) {
      broken_ = true;
      partial_.clear();
      return too_long(max_object_bytes_);
    }
    if (newline == std::string_view::npos) {
      partial_.append(piece);
      return "";
    }
    bytes.remove_prefix(newline + 1);
    std::string_view line = piece;
    if (!partial_.empty()) {
      partial_.append(piece);
      line = partial_;
    }
    const bool keep_going = blank(line) || on_object(line);
    partial_.clear();
    if (!keep_going) {
      broken_ = true;
      return "";
    }
  }
  return "";
}

std::string WatchLineFramer::finish() const {
  if (broken_ || blank(partial_)) return "";
  return "watch stream ended inside an object (" + std::to_string(partial_.size()) + " bytes)";
}

}  // namespace panguard::agent::identity::kube
