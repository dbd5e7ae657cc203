#include "agent/admin/event_ingest.h"

#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "agent/pipeline/process_completion.h"

#include "rules/event_json.h"

namespace panguard::agent {
namespace {

constexpr std::size_t kMaxReportedErrors = 10;

std::string_view trim_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string IngestSummary::to_json() const {
  nlohmann::ordered_json j;
  j["accepted"] = accepted;
  j["rejected"] = rejected;
  j["alerts"] = alerts;
  j["denied"] = denied;
  j["errors"] = errors;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

boost::asio::awaitable<IngestSummary> ingest_event_lines(std::string_view body, Pipeline& pipeline,
                                                         Metrics& metrics, int64_t now_ns) {
  IngestSummary summary;
  std::size_t line_number = 0;
  while (!body.empty()) {
    const std::size_t end = body.find('\n');
    const std::string_view line = trim_cr(body.substr(0, end));
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    auto parsed = rules::parse_event_json(line);
    if (auto* error = std::get_if<rules::EventParseError>(&parsed)) {
      ++summary.rejected;
      metrics.count_drop(DropStage::kParse);
      if (summary.errors.size() < kMaxReportedErrors) {
        summary.errors.push_back("line " + std::to_string(line_number) + ": " + error->message);
      }
      continue;
    }
    ProcessCompletion completion;
    pipeline.process(std::get<rules::Event>(std::move(parsed)), now_ns, completion.callback());
    ProcessResult result;
    if (completion.done_inline()) {
      result = completion.take();
    } else {
      result = co_await completion.async_wait(boost::asio::use_awaitable);
    }
    ++summary.accepted;
    summary.alerts += result.alerts;
    summary.denied += result.denied ? 1 : 0;
  }
  co_return summary;
}

}  // namespace panguard::agent
