#include "agent/admin/admin_routes.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "agent/admin/event_ingest.h"

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

std::string_view path_of(const HttpRequest& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

HttpResponse method_not_allowed(const HttpRequest& request, std::string_view allow) {
  HttpResponse response =
      text_response(request, http::status::method_not_allowed, "method not allowed\n");
  response.set(http::field::allow, allow);
  return response;
}

}  // namespace

HttpResponse text_response(const HttpRequest& request, http::status status, std::string body,
                           std::string_view content_type) {
  HttpResponse response(status, request.version());
  response.set(http::field::server, "panguard");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

boost::asio::awaitable<HttpResponse> AdminRoutes::handle(const HttpRequest& request) const {
  const std::string_view path = path_of(request);
  const bool get = request.method() == http::verb::get;
  if (path == "/metrics") co_return get ? metrics(request) : method_not_allowed(request, "GET");
  if (path == "/healthz") co_return get ? healthz(request) : method_not_allowed(request, "GET");
  if (path == "/readyz") co_return get ? readyz(request) : method_not_allowed(request, "GET");
  if (path == "/v1/events" && state_.ingest_pipeline) {
    if (request.method() != http::verb::post) co_return method_not_allowed(request, "POST");
    co_return co_await ingest(request);
  }
  co_return text_response(request, http::status::not_found, "not found\n");
}

HttpResponse AdminRoutes::metrics(const HttpRequest& request) const {
  return text_response(request, http::status::ok, state_.metrics.render(),
                       "text/plain; version=0.0.4; charset=utf-8");
}

HttpResponse AdminRoutes::healthz(const HttpRequest& request) const {
  if (!state_.loop_running.load()) {
    return text_response(request, http::status::service_unavailable, "starting\n");
  }
  return text_response(request, http::status::ok, "ok\n");
}

HttpResponse AdminRoutes::readyz(const HttpRequest& request) const {
  const auto snapshot = state_.packs.current();
  if (!snapshot) {
    return text_response(request, http::status::service_unavailable,
                         "not ready: no rule pack loaded\n");
  }
  if (state_.store && !state_.store->healthy()) {
    return text_response(request, http::status::service_unavailable,
                         "not ready: counter store unreachable\n");
  }
  if (state_.store && !state_.store->healthy()) {
    return text_response(request, http::status::service_unavailable,
                         "not ready: counter store unreachable\n");
  }
  std::string body = "ready: pack " + snapshot->version + "\n";
  for (const auto& note : state_.degraded_notes) {
    if (std::string line = note(); !line.empty()) body += "degraded: " + line + "\n";
  }
  return text_response(request, http::status::ok, body);
}

boost::asio::awaitable<HttpResponse> AdminRoutes::ingest(const HttpRequest& request) const {
  const IngestSummary summary = co_await ingest_event_lines(request.body(), *state_.ingest_pipeline,
                                                            state_.metrics, state_.clock.now_ns());
  // Valid lines were evaluated either way; 400 tells the caller that some were not.
  const auto status = summary.rejected == 0 ? http::status::ok : http::status::bad_request;
  co_return text_response(request, status, summary.to_json(), "application/json");
}

}  // namespace panguard::agent
