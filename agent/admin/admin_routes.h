// The admin API's request handling, free of sockets so it is unit-testable:
//   GET  /metrics    Prometheus text format
//   GET  /healthz    200 once the event loop runs
//   GET  /readyz     200 when a rule pack is loaded and the counter store answers, else 503
//                    with the reason; degraded optional parts (the sensor) are listed in the body
//   POST /v1/events  JSON-lines events (only with admin.allow_event_ingest; 404 otherwise)
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "agent/metrics/metrics.h"
#include "agent/packs/pack_snapshot.h"
#include "agent/pipeline/pipeline.h"
#include "agent/time_source.h"

namespace panguard::agent {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct AdminState {
  Metrics& metrics;
  const PackHolder& packs;
  const std::atomic<bool>& loop_running;
  Pipeline* ingest_pipeline = nullptr;  // null: POST /v1/events answers 404
  const TimeSource& clock;
  const Store* store = nullptr;  // null: /readyz does not check a counter store
  // Optional parts that may run degraded without making the agent unready (the eBPF sensor):
  // each returns "" when fine, else a line for the /readyz body.
  std::vector<std::function<std::string()>> degraded_notes;
};

class AdminRoutes {
 public:
  explicit AdminRoutes(AdminState state) : state_(std::move(state)) {}

  // A coroutine because event ingest awaits the pipeline; the other routes answer at once.
  boost::asio::awaitable<HttpResponse> handle(const HttpRequest& request) const;

 private:
  HttpResponse metrics(const HttpRequest& request) const;
  HttpResponse healthz(const HttpRequest& request) const;
  HttpResponse readyz(const HttpRequest& request) const;
  boost::asio::awaitable<HttpResponse> ingest(const HttpRequest& request) const;

  AdminState state_;
};

// A plain-text response with the request's HTTP version.
HttpResponse text_response(const HttpRequest& request, boost::beast::http::status status,
                           std::string body,
                           std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace panguard::agent
