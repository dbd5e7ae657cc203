// Splits a Kubernetes watch response body into its JSON objects. The API server writes one
// object per line (newline-delimited JSON inside HTTP chunked encoding); the network may cut the
// bytes anywhere, so objects are reassembled here, each bounded by max_object_bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace panguard::agent::identity::kube {

class WatchLineFramer {
 public:
  explicit WatchLineFramer(std::size_t max_object_bytes) : max_object_bytes_(max_object_bytes) {}

  // Calls on_object for each complete line (blank lines are skipped); on_object returns false to
  // stop. Returns "" or why the stream cannot be framed (an object over the bound). After an
  // error or a stop the framer keeps refusing: the caller drops the connection.
  std::string feed(std::string_view bytes,
                   const std::function<bool(std::string_view object)>& on_object);

  // At the end of the body: "" or why the stream ended inside an object.
  std::string finish() const;

  std::size_t buffered_bytes() const { return partial_.size(); }

 private:
  const std::size_t max_object_bytes_;
  std::string partial_;
  bool broken_ = false;
};

}  // namespace panguard::agent::identity::kube
