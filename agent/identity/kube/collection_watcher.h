// The thin Asio layer that drives a WatchCursor for one collection (pods on this node, or all
// namespaces): LIST, then WATCH from the list's resourceVersion, feed each newline-delimited
// object to the sink, relist on 410, back off with full jitter on failures. Runs until its
// io_context stops.
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/identity/kube/kube_client.h"
#include "agent/identity/kube/kube_objects.h"

namespace panguard::agent::identity::kube {

struct CollectionSpec {
  std::string name;            // "pods", "namespaces": for log lines
  std::string path;            // "/api/v1/pods"
  std::string selector_query;  // "fieldSelector=spec.nodeName%3Dnode-a", or ""
};

// Where the objects go. Called on the watcher's thread, one call at a time.
class CollectionSink {
 public:
  virtual ~CollectionSink() = default;
  // A complete LIST: the collection is exactly `items` now.
  virtual void replace_all(const std::vector<nlohmann::json>& items) = 0;
  // ADDED, MODIFIED or DELETED.
  virtual void apply(WatchEventType type, const nlohmann::json& object) = 0;
};

struct WatchLimits {
  std::chrono::seconds watch_timeout{300};  // timeoutSeconds asked of the server
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::size_t max_object_bytes = std::size_t{2} << 20;  // one watch line
  std::size_t max_list_bytes = std::size_t{256} << 20;  // one LIST body
};

struct CollectionStats {
  std::atomic<uint64_t> lists{0};
  std::atomic<uint64_t> relists{0};       // after 410 Gone
  std::atomic<uint64_t> failures{0};      // requests or streams that failed
  std::atomic<uint64_t> malformed{0};     // watch lines or list bodies refused
  std::atomic<uint64_t> watch_events{0};  // applied ADDED / MODIFIED / DELETED
  std::atomic<uint64_t> bookmarks{0};
};

// "%XX" for every byte outside RFC 3986's unreserved set.
std::string percent_encode(std::string_view text);

std::string list_target(const CollectionSpec& spec);
std::string watch_target(const CollectionSpec& spec, const std::string& resource_version,
                         std::chrono::seconds timeout);

boost::asio::awaitable<void> watch_collection(KubeClient& client, CollectionSpec spec,
                                              CollectionSink& sink, WatchLimits limits,
                                              CollectionStats& stats);

}  // namespace panguard::agent::identity::kube
