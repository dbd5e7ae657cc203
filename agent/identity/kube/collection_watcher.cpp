#include "agent/identity/kube/collection_watcher.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

#include "agent/identity/kube/watch_cursor.h"
#include "agent/identity/kube/watch_stream.h"
#include "agent/log/log.h"
#include "alerts/webhook/retry_policy.h"

namespace panguard::agent::identity::kube {
namespace {

namespace asio = boost::asio;

constexpr int kHttpGone = 410;
// A watch ends by itself after timeoutSeconds; the read deadline leaves the server some slack.
constexpr std::chrono::seconds kWatchReadSlack{30};

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

std::string describe(const ApiResponse& response) {
  if (!response.error.empty()) return response.error;
  std::string text = "HTTP " + std::to_string(response.status);
  if (!response.body.empty()) {
    std::string body;
    for (const char c : response.body) {
      const auto byte = static_cast<unsigned char>(c);
      body += byte >= 0x20 && byte < 0x7f ? c : ' ';
    }
    text += ": " + body;
  }
  return text;
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string list_target(const CollectionSpec& spec) {
  return spec.selector_query.empty() ? spec.path : spec.path + "?" + spec.selector_query;
}

std::string watch_target(const CollectionSpec& spec, const std::string& resource_version,
                         std::chrono::seconds timeout) {
  std::string query = spec.selector_query.empty() ? "" : spec.selector_query + "&";
  query += "watch=true&resourceVersion=" + percent_encode(resource_version) +
           "&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(timeout.count());
  return spec.path + "?" + query;
}

asio::awaitable<void> watch_collection(KubeClient& client, CollectionSpec spec,
                                       CollectionSink& sink, WatchLimits limits,
                                       CollectionStats& stats) {
  WatchCursor cursor;
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::string what = "kubernetes " + spec.name;
  auto failed = [&](const std::string& why) {
    stats.failures.fetch_add(1);
    cursor.failed();
    if (log::should_log_occurrence(cursor.failures())) {
      log::warning(what, ": ", why, " (failure ", cursor.failures(), " in a row; retrying",
                   cursor.next() == NextRequest::kWatch
                       ? " the watch from resourceVersion " + cursor.resource_version()
                       : " the list",
                   ")");
    }
  };

  for (;;) {
    if (cursor.failures() > 0) {
      co_await sleep_for(alerts::webhook::backoff_delay(cursor.failures(), limits.backoff_min,
                                                        limits.backoff_max, unit(random)));
    }
    if (cursor.next() == NextRequest::kList) {
      const ApiResponse response = co_await client.get(list_target(spec), limits.max_list_bytes);
      if (!response.error.empty() || response.status != 200) {
        failed("list failed: " + describe(response));
        continue;
      }
      auto parsed = parse_list(response.body);
      if (auto* error = std::get_if<std::string>(&parsed)) {
        stats.malformed.fetch_add(1);
        failed("malformed list refused: " + *error);
        continue;
      }
      const ListResponse& list = std::get<ListResponse>(parsed);
      sink.replace_all(list.items);
      stats.lists.fetch_add(1);
      log::info(what, ": listed ", list.items.size(), " at resourceVersion ",
                list.resource_version);
      cursor.listed(list.resource_version);
      continue;
    }

    WatchLineFramer framer(limits.max_object_bytes);
    bool carried_events = false;
    EventStep stopped_by = EventStep::kApply;  // kRelist / kFail when an ERROR event stopped it
    std::string error_event;
    bool malformed = false;
    auto on_bytes = [&](std::string_view bytes) -> std::string {
      std::string problem;
      std::string framing = framer.feed(bytes, [&](std::string_view line) {
        auto parsed = parse_watch_event(line);
        if (auto* error = std::get_if<std::string>(&parsed)) {
          problem = "malformed watch object refused: " + *error;
          return false;
        }
        carried_events = true;
        const WatchEvent& event = std::get<WatchEvent>(parsed);
        const EventStep step = cursor.on_event(event);
        if (step == EventStep::kApply) {
          sink.apply(event.type, event.object);
          stats.watch_events.fetch_add(1);
        }
        if (event.type == WatchEventType::kBookmark) stats.bookmarks.fetch_add(1);
        if (step == EventStep::kRelist || step == EventStep::kFail) {
          stopped_by = step;
          error_event = "ERROR " + std::to_string(event.error_code) + " " + event.error_message;
          return false;
        }
        return true;
      });
      if (!framing.empty()) problem = "malformed watch stream refused: " + framing;
      if (!problem.empty()) malformed = true;
      if (stopped_by != EventStep::kApply) return "stopped by a watch " + error_event;
      return problem;
    };
    const std::string from = cursor.resource_version();
    const ApiResponse response =
        co_await client.watch(watch_target(spec, from, limits.watch_timeout),
                              limits.watch_timeout + kWatchReadSlack, on_bytes);
    if (stopped_by == EventStep::kRelist || response.status == kHttpGone) {
      if (response.status == kHttpGone) cursor.gone();
      stats.relists.fetch_add(1);
      log::info(what, ": resourceVersion ", from, " is gone (410), relisting");
      continue;
    }
    if (stopped_by == EventStep::kFail) {
      stats.failures.fetch_add(1);  // the cursor counted it already
      log::warning(what, ": watch ", error_event, "; retrying from resourceVersion ",
                   cursor.resource_version());
      continue;
    }
    if (malformed) stats.malformed.fetch_add(1);
    if (!response.error.empty() || response.status != 200) {
      failed("watch failed: " + describe(response));
      continue;
    }
    if (std::string partial = framer.finish(); !partial.empty()) {
      stats.malformed.fetch_add(1);
      failed(partial);
      continue;
    }
    cursor.watch_ended(carried_events);
    if (!carried_events) stats.failures.fetch_add(1);
  }
}

}  // namespace panguard::agent::identity::kube
