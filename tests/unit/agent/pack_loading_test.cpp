#include "agent/packs/pack_loading.h"

#include <gtest/gtest.h>

#include "agent/packs/embedded_pack.h"
#include "agent/packs/pack_version.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

TEST(PackLoadingTest, LoadsAndVersionsAGoodPack) {
  testing::TempDir dir;
  const std::string path = dir.write("pack.yaml", testing::kTestPack);
  const PackLoadResult result = load_rule_pack({path});
  ASSERT_TRUE(result.ok()) << result.first_error();
  EXPECT_EQ(result.file_count, 1u);
  EXPECT_EQ(result.snapshot->pack->rules().size(), 2u);
  EXPECT_EQ(result.snapshot->version.rfind("sha256:", 0), 0u);
  EXPECT_EQ(result.snapshot->version.size(), 7u + 16u);
  EXPECT_EQ(result.snapshot->origin, path);
}

TEST(PackLoadingTest, RefusesABadPackWithAPositionedError) {
  testing::TempDir dir;
  const std::string path = dir.write("bad.yaml",
                                     "- rule: x\n  desc: y\n  source: vault\n"
                                     "  condition: no.such.field = 1\n"
                                     "  output: o\n  priority: critical\n");
  const PackLoadResult result = load_rule_pack({path});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.first_error().rfind(path + ":4:", 0), 0u) << result.first_error();
}

TEST(PackLoadingTest, UnreadablePathIsRefused) {
  const PackLoadResult result = load_rule_pack({"/nonexistent/rules.yaml"});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.first_error().find("/nonexistent/rules.yaml: error:"), std::string::npos);
}

TEST(PackLoadingTest, EmptyPathsMeanTheEmbeddedPack) {
  const PackLoadResult result = load_rule_pack({});
  if (embedded_default_pack_files().empty()) {
    EXPECT_FALSE(result.ok());
    EXPECT_NE(result.first_error().find("embeds no rule files"), std::string::npos);
  } else {
    EXPECT_TRUE(result.ok()) << result.first_error();
    EXPECT_EQ(result.snapshot->origin, "embedded default pack");
    EXPECT_EQ(result.file_count, embedded_default_pack_files().size());
  }
}

TEST(EmbeddedPackTest, MatchesTheFilesOnDisk) {
  for (const auto& file : embedded_default_pack()) {
    std::ifstream in(std::string(PANGUARD_SOURCE_DIR) + "/" + file.path, std::ios::binary);
    ASSERT_TRUE(in) << file.path;
    const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(file.content, on_disk) << file.path;
  }
}

TEST(PackVersionTest, DependsOnContentNotPaths) {
  const std::string a = pack_version({{"a.yaml", "x"}, {"b.yaml", "y"}});
  EXPECT_EQ(a, pack_version({{"/elsewhere/a.yaml", "x"}, {"c.yaml", "y"}}));
  EXPECT_NE(a, pack_version({{"a.yaml", "xy"}}));
  EXPECT_NE(a, pack_version({{"a.yaml", "y"}, {"b.yaml", "x"}}));
}

}  // namespace
}  // namespace panguard::agent
