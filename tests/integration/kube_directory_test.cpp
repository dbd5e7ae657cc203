// The Kubernetes pod directory against a real HTTPS stand-in for the API server: LIST, then
// chunked WATCH streams the test writes step by step (ADDED, a label change, DELETED, BOOKMARK,
// a dropped connection, ERROR 410, HTTP 410, a malformed object), checking the directory's
// answers after each step and the requests the server received (resourceVersion, selector,
// bearer token). And a server whose certificate the cluster CA did not sign gets nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "agent/identity/kube/kube_pod_directory.h"
#include "eventually.h"
#include "kube_api_stand_in.h"
#include "test_pki.h"

namespace panguard::integration {
namespace {

namespace fs = std::filesystem;
namespace kube = agent::identity::kube;
using namespace std::chrono_literals;

const std::string kPods = "/api/v1/pods";
const std::string kNamespaces = "/api/v1/namespaces";
const std::string kPodA = "0b3c4d5e-1111-4222-8333-944455556666";
const std::string kPodB = "1b3c4d5e-1111-4222-8333-944455556666";
const std::string kPodC = "2b3c4d5e-1111-4222-8333-944455556666";
const std::string kAppId(64, 'a');
const std::string kSidecarId(64, 'b');

std::string pod(const std::string& uid, const std::string& ns, const std::string& name,
                const std::string& version, const std::string& node = "node-a") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name + R"(","namespace":")" +
         ns + R"(","uid":")" + uid + R"(","resourceVersion":")" + version +
         R"("},"spec":{"nodeName":")" + node +
         R"("},"status":{"phase":"Running","containerStatuses":[)"
         R"({"name":"app","containerID":"containerd://)" +
         kAppId + R"("},{"name":"vault-agent","containerID":"cri-o://)" + kSidecarId + R"("}]}})";
}

std::string ns(const std::string& name, const std::string& tenant, const std::string& version) {
  const std::string labels =
      tenant.empty() ? "{}" : R"({"panguard.io/tenant":")" + tenant + R"("})";
  return R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + version + R"(","labels":)" + labels + "}}";
}

std::string list(const std::string& kind, const std::string& version,
                 const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
  return R"({"kind":")" + kind + R"(","apiVersion":"v1","metadata":{"resourceVersion":")" +
         version + R"("},"items":[)" + joined + "]}";
}

std::string event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}";
}

std::string bookmark(const std::string& version) {
  return R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{)"
         R"("resourceVersion":")" +
         version + R"("}}})";
}

const std::string kGoneEvent =
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)j"
    R"j("status":"Failure","message":"too old resource version: 150 (400)",)j"
    R"j("reason":"Expired","code":410}})j";

// A scratch directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("panguard-kube-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_token(const fs::path& file, const std::string& token) {
  // As the kubelet does: a new file swapped in, never an in-place rewrite.
  const fs::path temporary = file.string() + ".new";
  std::ofstream(temporary) << token << "\n";
  fs::rename(temporary, file);
}

class KubeDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path(), "cluster");
    const CertFiles cert = pki_->issue("apiserver", "DNS:localhost,IP:127.0.0.1");
    server_ = std::make_unique<KubeApiStandIn>(cert.cert, cert.key);
    token_file_ = dir_.path() / "token";
    write_token(token_file_, "token-one");
  }

  kube::KubePodDirectoryOptions options(const std::string& ca_file) const {
    kube::KubePodDirectoryOptions o;
    o.api = {"127.0.0.1", server_->port()};
    o.token_file = token_file_.string();
    o.ca_file = ca_file;
    o.node_name = "node-a";
    o.request_timeout = 5s;
    o.limits.watch_timeout = 300s;
    o.limits.backoff_min = 10ms;
    o.limits.backoff_max = 50ms;
    o.limits.max_object_bytes = 64 * 1024;
    return o;
  }

  std::unique_ptr<kube::KubePodDirectory> make(const std::string& ca_file) {
    auto created = kube::KubePodDirectory::create(options(ca_file));
    if (auto* error = std::get_if<std::string>(&created)) {
      ADD_FAILURE() << *error;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<kube::KubePodDirectory>>(created));
  }

  std::shared_ptr<WatchStream> watch(const std::string& path) {
    auto stream = server_->next_watch(path, 5s);
    EXPECT_TRUE(stream) << "no watch request for " << path;
    return stream;
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<KubeApiStandIn> server_;
  fs::path token_file_;
};

TEST_F(KubeDirectoryTest, ListWatchRelistAndResume) {
  server_->set_list(kPods, list("PodList", "100", {pod(kPodA, "globex-prod", "billing", "90")}));
  server_->set_list(kNamespaces,
                    list("NamespaceList", "200",
                         {ns("globex-prod", "globex", "10"), ns("kube-system", "", "11"),
                          ns("acme-prod", "acme", "12")}));
  auto directory = make(pki_->ca_file());
  ASSERT_TRUE(directory);

  // Before the first lists: nothing is known, so events carry no tenant (fail closed).
  EXPECT_FALSE(directory->synced());
  EXPECT_FALSE(directory->pod(kPodA));
  directory->start();
  ASSERT_TRUE(eventually([&] { return directory->synced(); }));
  auto a = directory->pod(kPodA);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->namespace_name, "globex-prod");
  EXPECT_EQ(a->name, "billing");
  EXPECT_EQ(a->containers.at(kAppId), "app");
  EXPECT_EQ(a->containers.at(kSidecarId), "vault-agent");
  EXPECT_EQ(directory->tenant_of_namespace("globex-prod"), "globex");
  EXPECT_EQ(directory->tenant_of_namespace("kube-system"), std::nullopt);
  EXPECT_EQ(directory->tenant_of_namespace("nowhere"), std::nullopt);

  // The first watches resume from the lists' resourceVersions, with the node's field selector.
  auto pods = watch(kPods);
  auto namespaces = watch(kNamespaces);
  ASSERT_TRUE(pods && namespaces);
  EXPECT_EQ(pods->request().query.at("resourceVersion"), "100");
  EXPECT_EQ(pods->request().query.at("allowWatchBookmarks"), "true");
  EXPECT_EQ(pods->request().query.at("timeoutSeconds"), "300");
  EXPECT_EQ(pods->request().query.at("fieldSelector"), "spec.nodeName=node-a");
  EXPECT_EQ(namespaces->request().query.at("resourceVersion"), "200");
  EXPECT_EQ(namespaces->request().query.count("fieldSelector"), 0u);
  for (const KubeRequest& request : server_->requests()) {
    EXPECT_EQ(request.authorization, "Bearer token-one") << request.target;
  }
  const auto first = server_->requests();
  ASSERT_GE(first.size(), 2u);
  bool listed_with_selector = false;
  for (const auto& r : first) {
    listed_with_selector |= r.target == "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a";
  }
  EXPECT_TRUE(listed_with_selector);

  // ADDED
  pods->send(event("ADDED", pod(kPodB, "acme-prod", "worker", "101")));
  ASSERT_TRUE(eventually([&] { return directory->pod(kPodB).has_value(); }));
  EXPECT_EQ(directory->pod(kPodB)->namespace_name, "acme-prod");

  // MODIFIED namespace: the tenant label changes; then it is removed.
  namespaces->send(event("MODIFIED", ns("globex-prod", "initech", "201")));
  ASSERT_TRUE(
      eventually([&] { return directory->tenant_of_namespace("globex-prod") == "initech"; }));
  namespaces->send(event("MODIFIED", ns("globex-prod", "", "202")));
  ASSERT_TRUE(eventually([&] { return !directory->tenant_of_namespace("globex-prod"); }));
  namespaces->send(event("DELETED", ns("acme-prod", "acme", "203")));
  ASSERT_TRUE(eventually([&] { return !directory->tenant_of_namespace("acme-prod"); }));

  // DELETED pod, and a pod another node claims is not taken.
  pods->send(event("DELETED", pod(kPodA, "globex-prod", "billing", "102")));
  ASSERT_TRUE(eventually([&] { return !directory->pod(kPodA); }));
  pods->send(event("ADDED", pod(kPodC, "acme-prod", "elsewhere", "103", "node-b")));

  // BOOKMARK, token rotated, then the connection drops: the next watch resumes from the bookmark
  // with the new token.
  pods->send(bookmark("150"));
  ASSERT_TRUE(eventually([&] { return directory->pod_stats().bookmarks.load() == 1; }));
  write_token(token_file_, "token-two");
  pods->drop();
  auto resumed = watch(kPods);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->request().query.at("resourceVersion"), "150");
  EXPECT_EQ(resumed->request().authorization, "Bearer token-two");
  EXPECT_FALSE(directory->pod(kPodC)) << "a pod on another node was taken";
  EXPECT_TRUE(directory->pod(kPodB)) << "a dropped watch must not forget what is known";
  EXPECT_EQ(server_->list_count(kPods), 1u) << "a drop resumes, it does not relist";

  // ERROR 410 in the stream: relist (the new list wins entirely), then watch from its version.
  server_->set_list(kPods, list("PodList", "400", {pod(kPodC, "acme-prod", "batch", "399")}));
  resumed->send(kGoneEvent);
  auto after_gone = watch(kPods);
  ASSERT_TRUE(after_gone);
  EXPECT_EQ(server_->list_count(kPods), 2u);
  EXPECT_EQ(after_gone->request().query.at("resourceVersion"), "400");
  EXPECT_TRUE(directory->pod(kPodC));
  EXPECT_FALSE(directory->pod(kPodB)) << "the relist replaces the whole collection";
  EXPECT_EQ(directory->pod_stats().relists.load(), 1u);

  // HTTP 410 to the watch request itself: relist too.
  server_->set_list(kPods, list("PodList", "500", {pod(kPodA, "globex-prod", "billing", "480")}));
  after_gone->fail(410, R"({"kind":"Status","code":410,"reason":"Gone"})");
  auto after_http_gone = watch(kPods);
  ASSERT_TRUE(after_http_gone);
  EXPECT_EQ(server_->list_count(kPods), 3u);
  EXPECT_EQ(after_http_gone->request().query.at("resourceVersion"), "500");
  EXPECT_TRUE(directory->pod(kPodA));

  // A malformed object: refused, the stream dropped, the watch resumed from the last good
  // version without forgetting anything.
  after_http_gone->send(event("MODIFIED", pod(kPodA, "globex-prod", "billing", "501")));
  after_http_gone->send("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":");
  auto after_malformed = watch(kPods);
  ASSERT_TRUE(after_malformed);
  EXPECT_EQ(after_malformed->request().query.at("resourceVersion"), "501");
  EXPECT_GE(directory->pod_stats().malformed.load(), 1u);
  EXPECT_TRUE(directory->pod(kPodA));
  EXPECT_EQ(server_->list_count(kPods), 3u);

  // A clean end of the watch (timeoutSeconds) that carried events: watch again from there.
  after_malformed->send(bookmark("600"));
  after_malformed->end();
  auto after_end = watch(kPods);
  ASSERT_TRUE(after_end);
  EXPECT_EQ(after_end->request().query.at("resourceVersion"), "600");
  EXPECT_EQ(server_->list_count(kNamespaces), 1u);
  directory->stop();
}

TEST_F(KubeDirectoryTest, RefusesAServerTheClusterCaDidNotSign) {
  TestPki other(dir_.path(), "impostor");
  server_->set_list(kPods, list("PodList", "100", {pod(kPodA, "globex-prod", "billing", "90")}));
  server_->set_list(kNamespaces, list("NamespaceList", "200", {ns("globex-prod", "globex", "1")}));
  auto directory = make(other.ca_file());
  ASSERT_TRUE(directory);
  directory->start();
  ASSERT_TRUE(eventually([&] { return server_->handshake_failures() >= 2; }));
  EXPECT_TRUE(eventually([&] { return directory->pod_stats().failures.load() >= 2; }));
  directory->stop();
  EXPECT_TRUE(server_->requests().empty()) << "the token went to an unverified server";
  EXPECT_FALSE(directory->synced());
  EXPECT_FALSE(directory->pod(kPodA));
}

TEST_F(KubeDirectoryTest, ServerErrorsBackOffAndRecover) {
  // No list bodies yet: the server answers 404 until the test sets them.
  auto directory = make(pki_->ca_file());
  ASSERT_TRUE(directory);
  directory->start();
  ASSERT_TRUE(eventually([&] { return server_->list_count(kPods) >= 3; }));
  EXPECT_FALSE(directory->synced());
  server_->set_list(kPods, list("PodList", "100", {pod(kPodA, "globex-prod", "billing", "90")}));
  server_->set_list(kNamespaces, list("NamespaceList", "200", {ns("globex-prod", "globex", "1")}));
  ASSERT_TRUE(eventually([&] { return directory->synced(); }));
  EXPECT_EQ(directory->tenant_of_namespace(directory->pod(kPodA)->namespace_name), "globex");
  directory->stop();
}

TEST_F(KubeDirectoryTest, StartupErrorsNameTheFile) {
  auto o = options(pki_->ca_file());
  o.token_file = (dir_.path() / "missing-token").string();
  auto created = kube::KubePodDirectory::create(o);
  ASSERT_TRUE(std::holds_alternative<std::string>(created));
  EXPECT_NE(std::get<std::string>(created).find("missing-token"), std::string::npos);

  o = options((dir_.path() / "missing-ca.crt").string());
  created = kube::KubePodDirectory::create(o);
  ASSERT_TRUE(std::holds_alternative<std::string>(created));
  EXPECT_NE(std::get<std::string>(created).find("missing-ca.crt"), std::string::npos);
}

}  // namespace
}  // namespace panguard::integration
