// The list/watch state machine and the watch-stream framer, without a network: what is asked
// next after each kind of answer, and how a byte stream split anywhere becomes objects.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/identity/kube/collection_watcher.h"
#include "agent/identity/kube/watch_cursor.h"
#include "agent/identity/kube/watch_stream.h"

namespace panguard::agent::identity::kube {
namespace {

WatchEvent event(WatchEventType type, std::string version, int code = 0) {
  WatchEvent e;
  e.type = type;
  e.resource_version = std::move(version);
  e.error_code = code;
  return e;
}

TEST(WatchCursor, ListThenWatchFromTheListVersion) {
  WatchCursor cursor;
  EXPECT_EQ(cursor.next(), NextRequest::kList);
  cursor.listed("100");
  EXPECT_EQ(cursor.next(), NextRequest::kWatch);
  EXPECT_EQ(cursor.resource_version(), "100");
  EXPECT_EQ(cursor.failures(), 0u);
}

TEST(WatchCursor, EventsAndBookmarksAdvanceTheVersion) {
  WatchCursor cursor;
  cursor.listed("100");
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kAdded, "101")), EventStep::kApply);
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kModified, "102")), EventStep::kApply);
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kDeleted, "103")), EventStep::kApply);
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kBookmark, "150")), EventStep::kSkip);
  EXPECT_EQ(cursor.resource_version(), "150");
  EXPECT_EQ(cursor.next(), NextRequest::kWatch);
}

TEST(WatchCursor, GoneMeansRelist) {
  WatchCursor cursor;
  cursor.listed("100");
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kError, "", 410)), EventStep::kRelist);
  EXPECT_EQ(cursor.next(), NextRequest::kList);
  EXPECT_EQ(cursor.failures(), 0u);  // relisting at once is the remedy, not a backoff
  EXPECT_EQ(cursor.relists(), 1u);
  cursor.listed("900");
  cursor.gone();  // HTTP 410 to the watch request itself
  EXPECT_EQ(cursor.next(), NextRequest::kList);
  EXPECT_EQ(cursor.relists(), 2u);
}

TEST(WatchCursor, GoneToAListIsAFailure) {
  WatchCursor cursor;
  cursor.gone();
  EXPECT_EQ(cursor.next(), NextRequest::kList);
  EXPECT_EQ(cursor.failures(), 1u);
  EXPECT_EQ(cursor.relists(), 0u);
}

TEST(WatchCursor, FailuresResumeFromTheLastVersionWithBackoff) {
  WatchCursor cursor;
  cursor.listed("100");
  cursor.on_event(event(WatchEventType::kBookmark, "120"));
  cursor.failed();  // dropped connection
  EXPECT_EQ(cursor.failures(), 1u);
  EXPECT_EQ(cursor.on_event(event(WatchEventType::kError, "", 500)), EventStep::kFail);
  EXPECT_EQ(cursor.failures(), 2u);
  EXPECT_EQ(cursor.next(), NextRequest::kWatch);
  EXPECT_EQ(cursor.resource_version(), "120");
  cursor.on_event(event(WatchEventType::kModified, "121"));
  EXPECT_EQ(cursor.failures(), 0u);  // a working stream resets the backoff
}

TEST(WatchCursor, EmptyCleanEndsBackOff) {
  WatchCursor cursor;
  cursor.listed("100");
  cursor.watch_ended(true);
  EXPECT_EQ(cursor.failures(), 0u);
  cursor.watch_ended(false);
  cursor.watch_ended(false);
  EXPECT_EQ(cursor.failures(), 2u);
  EXPECT_EQ(cursor.next(), NextRequest::kWatch);
  EXPECT_EQ(cursor.resource_version(), "100");
}

TEST(WatchTargets, QueryStrings) {
  const CollectionSpec pods{"pods", "/api/v1/pods",
                            "fieldSelector=" + percent_encode("spec.nodeName=node-a")};
  EXPECT_EQ(list_target(pods), "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a");
  EXPECT_EQ(watch_target(pods, "150", std::chrono::seconds(300)),
            "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a&watch=true&resourceVersion=150"
            "&allowWatchBookmarks=true&timeoutSeconds=300");
  const CollectionSpec namespaces{"namespaces", "/api/v1/namespaces", ""};
  EXPECT_EQ(list_target(namespaces), "/api/v1/namespaces");
  EXPECT_EQ(watch_target(namespaces, "a&b", std::chrono::seconds(60)),
            "/api/v1/namespaces?watch=true&resourceVersion=a%26b&allowWatchBookmarks=true"
            "&timeoutSeconds=60");
}

std::vector<std::string> frame_in_pieces(const std::string& stream, std::size_t piece,
                                         std::string* error) {
  WatchLineFramer framer(64);
  std::vector<std::string> objects;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    *error = framer.feed(std::string_view(stream).substr(at, piece), [&](std::string_view o) {
      objects.emplace_back(o);
      return true;
    });
    if (!error->empty()) return objects;
  }
  *error = framer.finish();
  return objects;
}

TEST(WatchLineFramer, SameObjectsHoweverTheStreamIsCut) {
  const std::string stream = "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    std::string error;
    const auto objects = frame_in_pieces(stream, piece, &error);
    EXPECT_EQ(error, "") << piece;
    ASSERT_EQ(objects.size(), 3u) << piece;
    EXPECT_EQ(objects[0], "{\"a\":1}");
    EXPECT_EQ(objects[1], "{\"b\":2}\r");
    EXPECT_EQ(objects[2], "{\"c\":3}");
  }
}

TEST(WatchLineFramer, BoundsOneObject) {
  std::string error;
  const std::string long_line = std::string(65, 'x') + "\n";
  for (std::size_t piece : {1u, 7u, 100u}) {
    const auto objects = frame_in_pieces("{}\n" + long_line + "{}\n", piece, &error);
    EXPECT_NE(error, "") << piece;
    EXPECT_EQ(objects.size(), 1u);
  }
  // Exactly at the bound is fine.
  const auto objects = frame_in_pieces(std::string(64, 'y') + "\n", 5, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(objects.size(), 1u);
}

TEST(WatchLineFramer, TruncatedObjectAtTheEndIsAnError) {
  std::string error;
  frame_in_pieces("{\"a\":1}\n{\"b\"", 3, &error);
  EXPECT_NE(error, "");
}

TEST(WatchLineFramer, StopsWhenAsked) {
  WatchLineFramer framer(64);
  int seen = 0;
  EXPECT_EQ(framer.feed("{}\n{}\n{}\n", [&](std::string_view) { return ++seen < 2; }), "");
  EXPECT_EQ(seen, 2);
  EXPECT_NE(framer.feed("{}\n", [&](std::string_view) { return true; }), "");
}

}  // namespace
}  // namespace panguard::agent::identity::kube
