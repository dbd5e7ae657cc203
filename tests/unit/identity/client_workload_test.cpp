// client.* fields from a resolved peer, on a real directory tree (inode numbers stand in for
// cgroup ids, as on cgroup v2), and the default pack's binding rules over them: a token of one
// tenant used from another tenant's pod is denied; an unresolved peer never reads as a match.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <variant>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/client_workload.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "rules/evaluator.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"

namespace panguard::agent::identity {
namespace {

namespace fs = std::filesystem;
using rules::FieldId;

const std::string kMappedUid = "0b3c4d5e-1111-4222-8333-944455556666";
const std::string kUnmappedUid = "1c4d5e6f-2222-4333-8444-a55566667777";
const std::string kContainer(64, 'a');

std::string systemd_pod(const std::string& uid) {
  std::string underscored = uid;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  return "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + underscored +
         ".slice/cri-containerd-" + kContainer + ".scope";
}

std::vector<rules::RuleFile> default_pack() {
  std::vector<fs::path> paths;
  for (const auto& entry :
       fs::directory_iterator(fs::path(PANGUARD_SOURCE_DIR) / "rules/packs/default")) {
    if (entry.path().extension() == ".yaml") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<rules::RuleFile> files;
  for (const auto& path : paths) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    files.push_back({path.string(), text.str()});
  }
  return files;
}

class ClientWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    root_ = fs::temp_directory_path() / ("pg-client-" + std::to_string(random()));
    fs::create_directories(root_ / systemd_pod(kMappedUid));
    fs::create_directories(root_ / systemd_pod(kUnmappedUid));
    fs::create_directories(root_ / "system.slice/sshd.service");
    auto parsed = StaticPodDirectory::parse("pods:\n  " + kMappedUid +
                                                ":\n    namespace: globex-prod\n"
                                                "    name: billing-7d9f\n"
                                                "namespaces:\n  globex-prod: globex\n",
                                            "map.yaml");
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<StaticPodDirectory>>(parsed));
    pods_ = std::move(std::get<std::unique_ptr<StaticPodDirectory>>(parsed));
    cgroups_ = std::make_unique<CgroupPaths>(root_.string(), std::chrono::milliseconds(0));
    resolver_ = std::make_unique<WorkloadResolver>(*cgroups_, pods_.get());
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  uint64_t id_of(const std::string& relative) const {
    struct stat st {};
    EXPECT_EQ(::stat((root_ / relative).c_str(), &st), 0);
    return st.st_ino;
  }

  // A proxied request of tenant `jwt_tenant` from the task in `cgroup` (bpf-resolved).
  rules::Event request_from(const std::string& cgroup, const std::string& jwt_tenant) const {
    rules::Event event(rules::Source::kVault);
    event.set(FieldId::kEvtType, "vault.request");
    event.set(FieldId::kTenantId, jwt_tenant);
    event.set(FieldId::kTenantSource, "jwt");
    event.set(FieldId::kVaultMethod, "GET");
    event.set(FieldId::kVaultPath, "secret/tenants/" + jwt_tenant + "/db");
    event.set(FieldId::kVaultRawPath, "secret/data/tenants/" + jwt_tenant + "/db");
    event.set(FieldId::kVaultOperation, "read");
    event.set(FieldId::kVaultPathTenant, jwt_tenant);
    event.set(FieldId::kVaultTokenExchange, false);
    ClientWorkload client;
    client.source = ClientSource::kBpf;
    client.pid = 4242;
    client.workload = resolver_->resolve(id_of(cgroup));
    set_client_fields(event, client);
    return event;
  }

  fs::path root_;
  std::unique_ptr<StaticPodDirectory> pods_;
  std::unique_ptr<CgroupPaths> cgroups_;
  std::unique_ptr<WorkloadResolver> resolver_;
};

std::set<std::string> fired(const rules::Event& event, const rules::RulePack& pack) {
  rules::Verdict verdict;
  rules::evaluate(event, pack, verdict);
  std::set<std::string> names;
  for (const rules::CompiledRule* rule : verdict.matches) names.insert(rule->name);
  return names;
}

TEST_F(ClientWorkloadTest, FieldsFollowTheChainAsFarAsItResolves) {
  const rules::Event mapped = request_from(systemd_pod(kMappedUid), "acme");
  EXPECT_EQ(*mapped.get_string(FieldId::kClientSource), "bpf");
  EXPECT_EQ(*mapped.get_int(FieldId::kClientPid), 4242);
  EXPECT_EQ(*mapped.get_int(FieldId::kClientCgroupId),
            static_cast<int64_t>(id_of(systemd_pod(kMappedUid))));
  EXPECT_EQ(*mapped.get_string(FieldId::kClientPodUid), kMappedUid);
  EXPECT_EQ(*mapped.get_string(FieldId::kClientNamespace), "globex-prod");
  EXPECT_EQ(*mapped.get_string(FieldId::kClientPod), "billing-7d9f");
  EXPECT_EQ(*mapped.get_string(FieldId::kClientTenantId), "globex");
  // tenant.* stays the JWT's: the client's tenant never replaces it.
  EXPECT_EQ(*mapped.get_string(FieldId::kTenantId), "acme");

  const rules::Event unmapped = request_from(systemd_pod(kUnmappedUid), "acme");
  EXPECT_EQ(*unmapped.get_string(FieldId::kClientPodUid), kUnmappedUid);
  EXPECT_EQ(unmapped.get_string(FieldId::kClientNamespace), nullptr);
  EXPECT_EQ(unmapped.get_string(FieldId::kClientTenantId), nullptr);

  const rules::Event host = request_from("system.slice/sshd.service", "acme");
  EXPECT_NE(host.get_int(FieldId::kClientCgroupId), nullptr);
  EXPECT_EQ(host.get_string(FieldId::kClientPodUid), nullptr);
  EXPECT_EQ(host.get_string(FieldId::kClientTenantId), nullptr);
}

TEST_F(ClientWorkloadTest, UnknownClientSetsOnlyTheSource) {
  rules::Event event(rules::Source::kVault);
  set_client_fields(event, ClientWorkload{});
  EXPECT_EQ(*event.get_string(FieldId::kClientSource), "none");
  EXPECT_EQ(event.get_int(FieldId::kClientPid), nullptr);
  EXPECT_EQ(event.get_int(FieldId::kClientCgroupId), nullptr);
  EXPECT_EQ(event.get_string(FieldId::kClientTenantId), nullptr);
}

TEST_F(ClientWorkloadTest, DefaultPackDeniesATokenUsedFromAnotherTenantsPod) {
  const rules::CompileResult compiled = rules::load_pack(default_pack());
  ASSERT_NE(compiled.pack, nullptr);
  const std::string mismatch = "Session token used from another tenant's workload";
  const std::string unbound = "Vault session from a pod with no known tenant";

  const auto foreign = fired(request_from(systemd_pod(kMappedUid), "acme"), *compiled.pack);
  EXPECT_EQ(foreign, std::set<std::string>{mismatch});
  const rules::CompiledRule* rule = compiled.pack->find(mismatch);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->priority, rules::Priority::kCritical);
  EXPECT_EQ(rule->action, rules::Action::kDeny);

  EXPECT_TRUE(fired(request_from(systemd_pod(kMappedUid), "globex"), *compiled.pack).empty());
  EXPECT_EQ(fired(request_from(systemd_pod(kUnmappedUid), "acme"), *compiled.pack),
            std::set<std::string>{unbound});
  EXPECT_TRUE(fired(request_from("system.slice/sshd.service", "acme"), *compiled.pack).empty());
}

}  // namespace
}  // namespace panguard::agent::identity
