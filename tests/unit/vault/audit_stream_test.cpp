#include "agent/sources/vault/audit_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/sources/vault/audit_record.h"

namespace panguard::vault {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// What a framer produced: the records and the kinds of errors, in order.
struct Framed {
  std::vector<std::string> records;
  std::vector<FramingErrorKind> errors;
  std::vector<std::string> messages;
};

struct Collector {
  Framed framed;
  AuditFramer::RecordSink on_record = [this](std::string_view r) {
    framed.records.emplace_back(r);
  };
  AuditFramer::ErrorSink on_error = [this](const FramingError& e) {
    framed.errors.push_back(e.kind);
    framed.messages.push_back(e.message);
  };
};

// Feeds `chunks` in order, then ends the stream.
Framed frame(const std::vector<std::string_view>& chunks, AuditFramerOptions options = {}) {
  AuditFramer framer(std::move(options));
  Collector out;
  for (std::string_view chunk : chunks) framer.feed(chunk, out.on_record, out.on_error);
  framer.finish(out.on_error);
  return out.framed;
}

// Vault writes each record compact, on one line; the fixtures are pretty-printed for reading.
std::string compact_fixture(std::string_view name) {
  std::ifstream in(std::string(PANGUARD_SOURCE_DIR) + "/tests/unit/vault/data/audit/" +
                   std::string(name));
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str()).dump();
}

TEST(AuditFramer, YieldsEachLineAsOneRecord) {
  const Framed out = frame({"{\"a\":1}\n{\"b\":2}\n"});
  EXPECT_THAT(out.records, ElementsAre("{\"a\":1}", "{\"b\":2}"));
  EXPECT_THAT(out.errors, IsEmpty());
}

TEST(AuditFramer, SkipsEmptyLines) {
  EXPECT_THAT(frame({"\n\n{}\n\n"}).records, ElementsAre("{}"));
}

TEST(AuditFramer, SplitAtEveryBytePositionGivesTheSameRecords) {
  const std::string stream = compact_fixture("kv2_read_kubernetes.json") + "\n" +
                             compact_fixture("login_kubernetes_response.json") + "\n" +
                             compact_fixture("namespaced_request.json") + "\n";
  const Framed whole = frame({stream});
  ASSERT_EQ(whole.records.size(), 3u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    const std::string_view view(stream);
    const Framed split = frame({view.substr(0, cut), view.substr(cut)});
    ASSERT_EQ(split.records, whole.records) << "cut at " << cut;
    ASSERT_THAT(split.errors, IsEmpty()) << "cut at " << cut;
  }
  // One byte at a time, too.
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i)
    bytes.push_back(std::string_view(stream).substr(i, 1));
  EXPECT_EQ(frame(bytes).records, whole.records);
}

TEST(AuditFramer, FramedRecordsParseAsAuditRecords) {
  const std::string stream = compact_fixture("kv2_read_kubernetes.json") + "\n" +
                             compact_fixture("token_create_request.json") + "\n";
  AuditMapping mapping;
  for (const std::string& record : frame({stream}).records) {
    auto result = parse_audit_record(record, mapping);
    EXPECT_TRUE(std::holds_alternative<rules::Event>(result));
  }
}

TEST(AuditFramer, GarbageBetweenRecordsIsFramedAndRejectedByTheParserAlone) {
  const std::string good = compact_fixture("kv2_read_kubernetes.json");
  const std::string stream = good + "\nnot json at all\n\x01\x02garbage{\n" + good + "\n";
  const Framed out = frame({stream});
  ASSERT_EQ(out.records.size(), 4u);
  EXPECT_THAT(out.errors, IsEmpty());
  std::vector<std::string> outcomes;
  for (const std::string& record : out.records) {
    auto result = parse_audit_record(record, AuditMapping{});
    outcomes.push_back(std::holds_alternative<rules::Event>(result) ? "event" : "error");
  }
  EXPECT_THAT(outcomes, ElementsAre("event", "error", "error", "event"));
}

TEST(AuditFramer, RecordOfExactlyTheLimitPassesAndOneByteMoreIsDropped) {
  AuditFramerOptions options;
  options.max_record_bytes = 8;
  const Framed out = frame({"12345678\n123456789\nok\n"}, options);
  EXPECT_THAT(out.records, ElementsAre("12345678", "ok"));
  EXPECT_THAT(out.errors, ElementsAre(FramingErrorKind::kRecordTooLong));
  EXPECT_THAT(out.messages[0], HasSubstr("longer than 8 bytes"));
}

TEST(AuditFramer, HugeRecordIsDroppedWithoutBufferingAndTheFramerResyncs) {
  AuditFramerOptions options;
  options.max_record_bytes = 1024;
  AuditFramer framer(options);
  Collector out;
  framer.feed("{\"first\":1}\n{\"huge\":\"", out.on_record, out.on_error);
  const std::string filler(4096, 'x');
  std::size_t most_buffered = 0;
  for (int i = 0; i < 256; ++i) {  // 1 MiB of one record, in 4 KiB socket reads
    framer.feed(filler, out.on_record, out.on_error);
    most_buffered = std::max(most_buffered, framer.buffered_bytes());
  }
  framer.feed("\"}\n{\"after\":1}\n", out.on_record, out.on_error);
  framer.finish(out.on_error);

  EXPECT_LE(most_buffered, options.max_record_bytes);
  EXPECT_THAT(out.framed.records, ElementsAre("{\"first\":1}", "{\"after\":1}"));
  EXPECT_THAT(out.framed.errors, ElementsAre(FramingErrorKind::kRecordTooLong));  // reported once
  EXPECT_EQ(framer.stats().too_long, 1u);
  EXPECT_EQ(framer.stats().records, 2u);
}

TEST(AuditFramer, DefaultLimitIsOneMebibyte) {
  const std::string at_limit(kDefaultMaxRecordBytes, 'a');
  const std::string over_limit(kDefaultMaxRecordBytes + 1, 'b');
  const Framed out = frame({at_limit, "\n", over_limit, "\n"});
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].size(), kDefaultMaxRecordBytes);
  EXPECT_THAT(out.errors, ElementsAre(FramingErrorKind::kRecordTooLong));
}

TEST(AuditFramer, PartialRecordAtEndOfStreamIsReportedAndTheFramerIsReusable) {
  AuditFramer framer;
  Collector out;
  framer.feed("{\"a\":1}\n{\"cut", out.on_record, out.on_error);
  framer.finish(out.on_error);
  EXPECT_THAT(out.framed.records, ElementsAre("{\"a\":1}"));
  EXPECT_THAT(out.framed.errors, ElementsAre(FramingErrorKind::kTruncatedAtEof));
  EXPECT_THAT(out.framed.messages[0], HasSubstr("5 bytes"));
  EXPECT_EQ(framer.stats().truncated_at_eof, 1u);

  // A new connection starts clean: the cut record does not glue onto the next one.
  framer.feed("{\"b\":2}\n", out.on_record, out.on_error);
  EXPECT_THAT(out.framed.records, ElementsAre("{\"a\":1}", "{\"b\":2}"));
}

TEST(AuditFramer, EndOfStreamInsideAnOverLongRecordIsReportedOnce) {
  AuditFramerOptions options;
  options.max_record_bytes = 4;
  const Framed out = frame({"123456"}, options);
  EXPECT_THAT(out.errors, ElementsAre(FramingErrorKind::kRecordTooLong));
}

TEST(AuditFramer, PrefixIsRequiredAndStripped) {
  AuditFramerOptions options;
  options.record_prefix = "vault-audit:";
  const Framed out = frame({"vault-audit:{\"a\":1}\n{\"b\":2}\nvault-audit:{\"c\":3}\n"}, options);
  EXPECT_THAT(out.records, ElementsAre("{\"a\":1}", "{\"c\":3}"));
  EXPECT_THAT(out.errors, ElementsAre(FramingErrorKind::kMissingPrefix));
}

TEST(AuditFramer, ErrorMessagesCarryNoRecordContent) {
  AuditFramerOptions options;
  options.max_record_bytes = 16;
  options.record_prefix = "p:";
  const Framed out = frame({"hvs.SECRETSECRETSECRET\nhvs.S\nhvs.partial"}, options);
  ASSERT_EQ(out.messages.size(), 3u);
  for (const std::string& message : out.messages) EXPECT_THAT(message, Not(HasSubstr("hvs.")));
}

TEST(BoundedRecordQueue, DropsAndCountsWhenFull) {
  BoundedRecordQueue queue(2);
  EXPECT_EQ(queue.push("a"), PushResult::kQueued);
  EXPECT_EQ(queue.push("b"), PushResult::kQueued);
  EXPECT_EQ(queue.push("c"), PushResult::kDroppedFull);
  EXPECT_EQ(queue.push("d"), PushResult::kDroppedFull);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.try_pop(), "a");
  EXPECT_EQ(queue.push("e"), PushResult::kQueued);  // room again after a pop
  EXPECT_EQ(queue.try_pop(), "b");
  EXPECT_EQ(queue.try_pop(), "e");
  EXPECT_EQ(queue.try_pop(), std::nullopt);
  EXPECT_EQ(queue.dropped(), 2u);
}

TEST(BoundedRecordQueue, ByteBoundDropsRecordsThatWouldNotFit) {
  BoundedRecordQueue queue(100, 10);
  EXPECT_EQ(queue.push("123456"), PushResult::kQueued);
  EXPECT_EQ(queue.push("12345"), PushResult::kDroppedFull);
  EXPECT_EQ(queue.push("1234"), PushResult::kQueued);
  EXPECT_EQ(queue.bytes(), 10u);
  EXPECT_EQ(queue.push(""), PushResult::kQueued);
  EXPECT_EQ(queue.dropped(), 1u);
  queue.try_pop();
  EXPECT_EQ(queue.bytes(), 4u);
}

TEST(BoundedRecordQueue, PopWaitsForARecordAndTimesOut) {
  BoundedRecordQueue queue(4);
  EXPECT_EQ(queue.pop(std::chrono::milliseconds(1)), std::nullopt);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    queue.push("late");
  });
  EXPECT_EQ(queue.pop(std::chrono::seconds(10)), "late");
  producer.join();
}

TEST(BoundedRecordQueue, CloseWakesConsumersRefusesPushesAndKeepsQueuedRecords) {
  BoundedRecordQueue queue(4);
  queue.push("kept");
  queue.close();
  EXPECT_EQ(queue.push("late"), PushResult::kClosed);
  EXPECT_EQ(queue.dropped(), 0u);  // refused after close is not an overflow
  EXPECT_EQ(queue.pop(std::chrono::seconds(10)), "kept");
  EXPECT_EQ(queue.pop(std::chrono::seconds(10)), std::nullopt);  // returns at once when closed

  BoundedRecordQueue empty(4);
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    empty.close();
  });
  EXPECT_EQ(empty.pop(std::chrono::seconds(30)), std::nullopt);
  closer.join();
}

TEST(BoundedRecordQueue, ConcurrentProducersNeverBlockAndEveryRecordIsCounted) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  BoundedRecordQueue queue(64);
  std::atomic<uint64_t> queued{0};
  std::atomic<uint64_t> consumed{0};
  std::atomic<bool> producers_done{false};

  std::thread consumer([&] {
    while (true) {
      if (queue.pop(std::chrono::milliseconds(5))) {
        consumed.fetch_add(1);
      } else if (producers_done.load() && queue.size() == 0) {
        return;
      }
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        if (queue.push(std::to_string(p) + ":" + std::to_string(i)) == PushResult::kQueued) {
          queued.fetch_add(1);
        }
      }
    });
  }
  for (auto& producer : producers) producer.join();
  producers_done.store(true);
  consumer.join();

  EXPECT_EQ(queued.load() + queue.dropped(), uint64_t{kProducers * kPerProducer});
  EXPECT_EQ(consumed.load(), queued.load());
  EXPECT_LE(queue.size(), 64u);
}

}  // namespace
}  // namespace panguard::vault
