#include "agent/packs/rule_files.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace panguard::agent {
namespace {

TEST(RuleFilesTest, DirectoriesExpandToSortedYamlFiles) {
  testing::TempDir dir;
  dir.write("rules/20-b.yaml", "b");
  dir.write("rules/10-a.yaml", "a");
  dir.write("rules/notes.txt", "ignored");
  dir.write("rules/nested/30-c.yaml", "not recursive");
  const std::string extra = dir.write("extra.yaml", "extra");

  const auto result = read_rule_files({(dir.path() / "rules").string(), extra});
  EXPECT_TRUE(result.errors.empty());
  ASSERT_EQ(result.files.size(), 3u);
  EXPECT_EQ(result.files[0].content, "a");
  EXPECT_EQ(result.files[1].content, "b");
  EXPECT_EQ(result.files[2].content, "extra");
  EXPECT_EQ(result.files[2].path, extra);
}

TEST(RuleFilesTest, MissingPathAndEmptyDirectoryAreErrors) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "empty");
  const auto result =
      read_rule_files({(dir.path() / "missing.yaml").string(), (dir.path() / "empty").string()});
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_NE(result.errors[0].to_string().find("missing.yaml: error: no such file"),
            std::string::npos);
  EXPECT_NE(result.errors[1].message.find("no *.yaml"), std::string::npos);
}

}  // namespace
}  // namespace panguard::agent
