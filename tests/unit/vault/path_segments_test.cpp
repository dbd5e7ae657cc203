#include "agent/sources/vault/path_segments.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace panguard::vault {
namespace {

// The plain split the cursor replaces: every '/' ends a segment, empty ones included.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      return segments;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::vector<std::string_view> walk(std::string_view path) {
  std::vector<std::string_view> segments;
  SegmentCursor cursor(path);
  while (const auto segment = cursor.next()) segments.push_back(*segment);
  return segments;
}

const std::vector<std::string_view> kPaths = {
    "",     "/",    "//",   "a",    "a/",   "/a", "a//b", "a/b/c", "secret/data/tenants/acme/db",
    "a/b/", "/a/b", "./..", "a///", "x/./y"};

TEST(PathSegmentsTest, CursorYieldsExactlyWhatSplittingGives) {
  for (const std::string_view path : kPaths) {
    EXPECT_EQ(walk(path), split(path)) << '"' << path << '"';
    EXPECT_EQ(segment_count(path), split(path).size()) << '"' << path << '"';
  }
}

TEST(PathSegmentsTest, CursorStaysDoneAfterTheLastSegment) {
  SegmentCursor cursor("a/b");
  EXPECT_EQ(cursor.next(), "a");
  EXPECT_EQ(cursor.next(), "b");
  EXPECT_EQ(cursor.next(), std::nullopt);
  EXPECT_EQ(cursor.next(), std::nullopt);
}

TEST(PathSegmentsTest, NoEmptySegmentMeansNoSplitSegmentIsEmpty) {
  for (const std::string_view path : kPaths) {
    bool none_empty = true;
    for (const std::string_view segment : split(path)) none_empty = none_empty && !segment.empty();
    EXPECT_EQ(has_no_empty_segment(path), none_empty) << '"' << path << '"';
  }
}

}  // namespace
}  // namespace panguard::vault
