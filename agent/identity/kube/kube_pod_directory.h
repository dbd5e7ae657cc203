// The cluster PodDirectory: the pods scheduled on this node (LIST + WATCH
// /api/v1/pods?fieldSelector=spec.nodeName=<node>) and every namespace's tenant label
// (LIST + WATCH /api/v1/namespaces), kept current by two CollectionWatchers on a background
// thread. Lookups (the sensor's poll thread) take a shared lock and never wait on the network.
//
// Until both first LISTs have completed, synced() is false and lookups find nothing, so kernel
// events carry no tenant and rules fail closed. Once synced, the directory keeps answering from
// what it last saw while it reconnects or relists; a relist replaces a collection atomically.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <variant>

#include "agent/identity/kube/collection_watcher.h"
#include "agent/identity/kube/in_cluster_config.h"
#include "agent/identity/kube/kube_client.h"
#include "agent/identity/pod_directory.h"

namespace panguard::agent::identity::kube {

struct KubePodDirectoryOptions {
  ApiServer api;
  std::string token_file = kDefaultTokenFile;
  std::string ca_file = kDefaultCaFile;
  std::string tenant_label = "panguard.io/tenant";
  std::string node_name;                     // required: only this node's pods are watched
  std::chrono::seconds request_timeout{30};  // connect, TLS, request, LIST body, watch headers
  WatchLimits limits;
};

class KubePodDirectory final : public PodDirectory {
 public:
  // Loads the CA and reads the token once, so a broken mount stops startup with a clear error.
  static std::variant<std::unique_ptr<KubePodDirectory>, std::string> create(
      KubePodDirectoryOptions options);
  ~KubePodDirectory() override;

  void start();  // starts the watch thread
  void stop();   // stops and joins it; lookups keep answering from the last state

  std::optional<PodInfo> pod(std::string_view pod_uid) const override;
  std::optional<std::string> tenant_of_namespace(std::string_view namespace_name) const override;
  bool synced() const override { return pods_listed_.load() && namespaces_listed_.load(); }

  std::size_t pod_count() const;
  const CollectionStats& pod_stats() const { return pod_stats_; }
  const CollectionStats& namespace_stats() const { return namespace_stats_; }

 private:
  class PodSink;
  class NamespaceSink;

  KubePodDirectory(KubePodDirectoryOptions options, KubeTlsContext tls);

  const KubePodDirectoryOptions options_;
  const KubeTlsContext tls_;
  ServiceAccountToken token_;

  mutable std::shared_mutex mutex_;
  std::map<std::string, PodInfo, std::less<>> pods_;
  std::map<std::string, std::optional<std::string>, std::less<>> namespace_tenants_;
  std::atomic<bool> pods_listed_{false};
  std::atomic<bool> namespaces_listed_{false};
  CollectionStats pod_stats_;
  CollectionStats namespace_stats_;

  std::unique_ptr<PodSink> pod_sink_;
  std::unique_ptr<NamespaceSink> namespace_sink_;
  std::unique_ptr<KubeClient> client_;
  std::thread thread_;
  // Last: destroyed first, so the coroutines it still holds go before what they refer to.
  boost::asio::io_context io_;
};

}  // namespace panguard::agent::identity::kube
