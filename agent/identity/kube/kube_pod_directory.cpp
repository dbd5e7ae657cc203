#include "agent/identity/kube/kube_pod_directory.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <mutex>

#include "agent/log/log.h"

namespace panguard::agent::identity::kube {

using nlohmann::json;

// Pods: only this node's (the field selector asks for them; a pod that says otherwise is
// dropped). An object that cannot be read removes what was known under its UID: no identity is
// better than a stale one.
class KubePodDirectory::PodSink final : public CollectionSink {
 public:
  explicit PodSink(KubePodDirectory& directory) : directory_(directory) {}

  void replace_all(const std::vector<json>& items) override {
    std::map<std::string, PodInfo, std::less<>> pods;
    for (const json& item : items) {
      if (auto record = read(item)) pods.insert_or_assign(record->uid, std::move(record->info));
    }
    {
      std::unique_lock lock(directory_.mutex_);
      directory_.pods_.swap(pods);
    }
    directory_.pods_listed_.store(true);
  }

  void apply(WatchEventType type, const json& object) override {
    if (type == WatchEventType::kDeleted) {
      if (const auto uid = object_uid(object)) erase(*uid);
      return;
    }
    auto record = read(object);
    if (!record) {
      if (const auto uid = object_uid(object)) erase(*uid);
      return;
    }
    std::unique_lock lock(directory_.mutex_);
    directory_.pods_.insert_or_assign(record->uid, std::move(record->info));
  }

 private:
  std::optional<PodRecord> read(const json& object) {
    auto parsed = parse_pod(object);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      log::warning("kubernetes pods: object refused: ", *error);
      return std::nullopt;
    }
    PodRecord& record = std::get<PodRecord>(parsed);
    if (!record.node_name.empty() && record.node_name != directory_.options_.node_name) {
      log::warning("kubernetes pods: ", loggable(record.info.namespace_name), "/",
                   loggable(record.info.name), " is on node ", loggable(record.node_name),
                   ", not this one: ignored");
      return std::nullopt;
    }
    return std::move(record);
  }

  void erase(const std::string& uid) {
    std::unique_lock lock(directory_.mutex_);
    directory_.pods_.erase(uid);
  }

  KubePodDirectory& directory_;
};

// Namespaces: the tenant is the label's value when it is a valid tenant id; a namespace without
// it (or with an invalid one) is known but has no tenant.
class KubePodDirectory::NamespaceSink final : public CollectionSink {
 public:
  explicit NamespaceSink(KubePodDirectory& directory) : directory_(directory) {}

  void replace_all(const std::vector<json>& items) override {
    std::map<std::string, std::optional<std::string>, std::less<>> tenants;
    for (const json& item : items) {
      if (auto record = read(item)) tenants.insert_or_assign(record->name, record->tenant);
    }
    {
      std::unique_lock lock(directory_.mutex_);
      directory_.namespace_tenants_.swap(tenants);
    }
    directory_.namespaces_listed_.store(true);
  }

  void apply(WatchEventType type, const json& object) override {
    auto record = type == WatchEventType::kDeleted ? std::nullopt : read(object);
    std::unique_lock lock(directory_.mutex_);
    if (record) {
      directory_.namespace_tenants_.insert_or_assign(record->name, record->tenant);
    } else if (const auto name = object_name(object)) {
      directory_.namespace_tenants_.erase(*name);
    }
  }

 private:
  std::optional<NamespaceRecord> read(const json& object) {
    auto parsed = parse_namespace(object, directory_.options_.tenant_label);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      log::warning("kubernetes namespaces: object refused: ", *error);
      return std::nullopt;
    }
    NamespaceRecord& record = std::get<NamespaceRecord>(parsed);
    if (!record.tenant_problem.empty()) {
      log::warning("kubernetes namespaces: ", loggable(record.name), ": ", record.tenant_problem,
                   "; the namespace has no tenant");
    }
    return std::move(record);
  }

  KubePodDirectory& directory_;
};

std::variant<std::unique_ptr<KubePodDirectory>, std::string> KubePodDirectory::create(
    KubePodDirectoryOptions options) {
  if (options.node_name.empty()) return std::string("no node name to select pods with");
  auto tls = make_kube_tls_context(options.ca_file);
  if (auto* error = std::get_if<std::string>(&tls)) return *error;
  ServiceAccountToken probe(options.token_file);
  if (std::string error = probe.current().error; !error.empty()) return error;
  return std::unique_ptr<KubePodDirectory>(
      new KubePodDirectory(std::move(options), std::get<KubeTlsContext>(std::move(tls))));
}

KubePodDirectory::KubePodDirectory(KubePodDirectoryOptions options, KubeTlsContext tls)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      token_(options_.token_file),
      pod_sink_(std::make_unique<PodSink>(*this)),
      namespace_sink_(std::make_unique<NamespaceSink>(*this)) {}

KubePodDirectory::~KubePodDirectory() { stop(); }

void KubePodDirectory::start() {
  if (thread_.joinable()) return;
  client_ = std::make_unique<KubeClient>(io_.get_executor(), options_.api, tls_, token_,
                                         options_.request_timeout);
  const CollectionSpec pods{
      "pods", "/api/v1/pods",
      "fieldSelector=" + percent_encode("spec.nodeName=" + options_.node_name)};
  const CollectionSpec namespaces{"namespaces", "/api/v1/namespaces", ""};
  boost::asio::co_spawn(io_,
                        watch_collection(*client_, pods, *pod_sink_, options_.limits, pod_stats_),
                        boost::asio::detached);
  boost::asio::co_spawn(
      io_,
      watch_collection(*client_, namespaces, *namespace_sink_, options_.limits, namespace_stats_),
      boost::asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void KubePodDirectory::stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

std::optional<PodInfo> KubePodDirectory::pod(std::string_view pod_uid) const {
  std::shared_lock lock(mutex_);
  const auto found = pods_.find(pod_uid);
  if (found == pods_.end()) return std::nullopt;
  return found->second;
}

std::optional<std::string> KubePodDirectory::tenant_of_namespace(
    std::string_view namespace_name) const {
  std::shared_lock lock(mutex_);
  const auto found = namespace_tenants_.find(namespace_name);
  if (found == namespace_tenants_.end()) return std::nullopt;
  return found->second;
}

std::size_t KubePodDirectory::pod_count() const {
  std::shared_lock lock(mutex_);
  return pods_.size();
}

}  // namespace panguard::agent::identity::kube
