// Mountinfo parsing, the static pod mapping file, and the cgroup id -> path cache against a
// real directory tree (inode numbers stand in for cgroup ids, as on cgroup v2).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <variant>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/identity/workload_identity.h"

namespace panguard::agent::identity {
namespace {

namespace fs = std::filesystem;

TEST(UnifiedMount, HybridAndUnifiedLayouts) {
  const std::string hybrid =
      "25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
      "41 25 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
      "42 25 0:39 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
  EXPECT_EQ(find_unified_mount(hybrid), "/sys/fs/cgroup/unified");
  const std::string unified =
      "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 "
      "rw,nsdelegate\n";
  EXPECT_EQ(find_unified_mount(unified), "/sys/fs/cgroup");
  EXPECT_EQ(find_unified_mount("42 25 0:39 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw\n"),
            std::nullopt);
  // A bind mount of a sub-tree is only a fallback; octal escapes are decoded.
  const std::string both =
      "50 1 0:30 /sub /mnt/a\\040b rw - cgroup2 cgroup2 rw\n"
      "51 1 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(find_unified_mount(both), "/sys/fs/cgroup");
  EXPECT_EQ(find_unified_mount("50 1 0:30 /sub /mnt/a\\040b rw - cgroup2 cgroup2 rw\n"),
            "/mnt/a b");
}

TEST(StaticPodDirectory, ParsesPodsAndNamespaces) {
  const std::string id(64, 'a');
  const auto parsed = StaticPodDirectory::parse(
      "pods:\n"
      "  0b3c4d5e-1111-4222-8333-944455556666:\n"
      "    namespace: globex-prod\n"
      "    name: billing-7d9f\n"
      "    containers:\n"
      "      " +
          id +
          ": app\n"
          "namespaces:\n"
          "  globex-prod: globex\n",
      "map.yaml");
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<StaticPodDirectory>>(parsed))
      << std::get<std::string>(parsed);
  const auto& dir = *std::get<std::unique_ptr<StaticPodDirectory>>(parsed);
  const auto pod = dir.pod("0b3c4d5e-1111-4222-8333-944455556666");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->namespace_name, "globex-prod");
  EXPECT_EQ(pod->name, "billing-7d9f");
  EXPECT_EQ(pod->containers.at(id), "app");
  EXPECT_EQ(dir.tenant_of_namespace("globex-prod"), "globex");
  EXPECT_EQ(dir.tenant_of_namespace("other"), std::nullopt);
  EXPECT_FALSE(dir.pod("0b3c4d5e-1111-4222-8333-944455556667"));
}

TEST(StaticPodDirectory, RejectsWhatItDoesNotUnderstand) {
  const char* bad[] = {
      "pods: {not-a-uid: {namespace: a, name: b}}\n",
      "pods: {0b3c4d5e-1111-4222-8333-944455556666: {namespace: a}}\n",
      "pods: {0b3c4d5e-1111-4222-8333-944455556666: {namespace: a, name: b, extra: 1}}\n",
      "pods: {0b3c4d5e-1111-4222-8333-944455556666: {namespace: a, name: b, containers: {x: c}}}\n",
      "namespaces: {a: [x]}\n",
      "namespaces: {a: t, a: u}\n",
      "tenants: {}\n",
      "pods: [1, 2]\n",
      "pods: {\n",
  };
  for (const char* text : bad) {
    const auto parsed = StaticPodDirectory::parse(text, "m.yaml");
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
    EXPECT_EQ(std::get<std::string>(parsed).rfind("m.yaml:", 0), 0u)
        << std::get<std::string>(parsed);
  }
}

class CgroupPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("pg-cgroup-paths-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  uint64_t inode(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_ino;
  }
  fs::path root_;
};

TEST_F(CgroupPathsTest, FindsByInodeAndForgetsRemovedDirectories) {
  const fs::path a = root_ / "kubepods.slice" / "a";
  fs::create_directories(a);
  std::ofstream(root_ / "kubepods.slice" / "cgroup.procs") << "";
  CgroupPaths paths(root_.string(), std::chrono::milliseconds(0));
  EXPECT_EQ(paths.path_of(inode(a)), "/kubepods.slice/a");
  EXPECT_EQ(paths.path_of(inode(root_)), "/");
  const uint64_t gone = inode(a);
  fs::remove(a);
  EXPECT_EQ(paths.path_of(gone), std::nullopt);
  // A new directory is found by the rescan a miss triggers.
  const fs::path b = root_ / "b" / "c";
  fs::create_directories(b);
  EXPECT_EQ(paths.path_of(inode(b)), "/b/c");
}

TEST_F(CgroupPathsTest, AnIdThatMissedDoesNotRescanAgainWithinTheTtl) {
  CgroupPaths paths(root_.string(), std::chrono::hours(1));
  paths.rescan();
  const std::size_t before = paths.rescans();
  EXPECT_EQ(paths.path_of(123456789), std::nullopt);
  EXPECT_EQ(paths.rescans(), before + 1);
  EXPECT_EQ(paths.path_of(123456789), std::nullopt);
  EXPECT_EQ(paths.rescans(), before + 1);
  // A new cgroup is found at once, however recent the last walk.
  const fs::path fresh = root_ / "new";
  fs::create_directories(fresh);
  EXPECT_EQ(paths.path_of(inode(fresh)), "/new");
}

TEST_F(CgroupPathsTest, ResolverFillsTenantOnlyThroughTheWholeChain) {
  const std::string uid = "0b3c4d5e-1111-4222-8333-944455556666";
  const std::string id(64, 'b');
  const fs::path scope = root_ / "kubepods.slice" / "kubepods-burstable.slice" /
                         "kubepods-burstable-pod0b3c4d5e_1111_4222_8333_944455556666.slice" /
                         ("cri-containerd-" + id + ".scope");
  fs::create_directories(scope);
  auto parsed = StaticPodDirectory::parse("pods: {" + uid +
                                              ": {namespace: globex-prod, name: web, "
                                              "containers: {" +
                                              id +
                                              ": app}}}\n"
                                              "namespaces: {globex-prod: globex}\n",
                                          "m");
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<StaticPodDirectory>>(parsed));
  const auto dir = std::move(std::get<std::unique_ptr<StaticPodDirectory>>(parsed));
  CgroupPaths paths(root_.string(), std::chrono::milliseconds(0));
  WorkloadResolver resolver(paths, dir.get());

  rules::Event event(rules::Source::kNetwork);
  resolver.fill(event, inode(scope));
  using rules::FieldId;
  EXPECT_EQ(*event.get_string(FieldId::kTenantId), "globex");
  EXPECT_EQ(*event.get_string(FieldId::kTenantSource), "cgroup");
  EXPECT_EQ(*event.get_string(FieldId::kK8sNamespace), "globex-prod");
  EXPECT_EQ(*event.get_string(FieldId::kK8sPod), "web");
  EXPECT_EQ(*event.get_string(FieldId::kK8sPodUid), uid);
  EXPECT_EQ(*event.get_string(FieldId::kK8sContainer), "app");
  EXPECT_EQ(*event.get_string(FieldId::kK8sContainerId), id);
  EXPECT_EQ(*event.get_int(FieldId::kProcCgroupId), static_cast<int64_t>(inode(scope)));

  // The host's own cgroup: no pod, no tenant, fail closed.
  rules::Event host(rules::Source::kNetwork);
  resolver.fill(host, inode(root_));
  EXPECT_FALSE(host.has(FieldId::kTenantId));
  EXPECT_EQ(*host.get_string(FieldId::kTenantSource), "none");
  EXPECT_FALSE(host.has(FieldId::kK8sPodUid));

  // A pod the directory does not know: pod UID only, no tenant.
  const fs::path other =
      root_ / "kubepods.slice" / "kubepods-pod1a2b3c4d_0000_4000_8000_000000000001.slice";
  fs::create_directories(other);
  rules::Event unknown(rules::Source::kNetwork);
  resolver.fill(unknown, inode(other));
  EXPECT_EQ(*unknown.get_string(FieldId::kK8sPodUid), "1a2b3c4d-0000-4000-8000-000000000001");
  EXPECT_FALSE(unknown.has(FieldId::kTenantId));
  EXPECT_EQ(*unknown.get_string(FieldId::kTenantSource), "none");
}

}  // namespace
}  // namespace panguard::agent::identity
