#include "agent/vault_proxy/upstream_pool.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

}  // namespace

UpstreamPool::UpstreamPool(asio::any_io_executor executor, UpstreamOptions options)
    : executor_(std::move(executor)), options_(options) {}

std::string UpstreamPool::resolve(const UpstreamAddress& address) {
  address_text_ = address.to_string();
  tcp::resolver resolver(executor_);
  boost::system::error_code ec;
  const auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || results.empty()) {
    return "vault.upstream: cannot resolve " + address.host + ": " +
           (ec ? ec.message() : "no addresses");
  }
  endpoints_.clear();
  for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
  return "";
}

void UpstreamPool::close_idle() {
  boost::system::error_code ignored;
  for (const auto& stream : idle_) stream->socket().close(ignored);
  idle_.clear();
}

asio::awaitable<std::variant<ProxyResponse, UpstreamError>> UpstreamPool::send(
    const ProxyRequest& request) {
  for (;;) {
    const bool reused = !idle_.empty();
    std::unique_ptr<Stream> stream;
    if (reused) {
      stream = std::move(idle_.back());
      idle_.pop_back();
    } else {
      stream = std::make_unique<Stream>(executor_);
      boost::system::error_code ec;
      stream->expires_after(options_.connect_timeout);
      co_await stream->async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return UpstreamError{"cannot connect to " + address_text_ + ": " + ec.message()};
      }
    }
    Attempt outcome = co_await attempt(request, std::move(stream), reused);
    if (!outcome.retryable) co_return std::move(outcome.result);
    // A stale keep-alive connection: the upstream closed it before reading this request. Go
    // round again, which ends on a fresh connection once the idle list is used up.
  }
}

asio::awaitable<UpstreamPool::Attempt> UpstreamPool::attempt(const ProxyRequest& request,
                                                             std::unique_ptr<Stream> stream,
                                                             bool reused) {
  boost::system::error_code ec;
  stream->expires_after(options_.write_timeout);
  co_await http::async_write(*stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return Attempt{UpstreamError{"write to " + address_text_ + " failed: " + ec.message()},
                      reused};
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header_bytes));
  parser.skip(request.method() == http::verb::head);  // a HEAD answer has no body to read
  stream->expires_after(options_.read_timeout);
  co_await http::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const bool nothing_read = !parser.got_some();
    std::string why =
        ec == http::error::body_limit
            ? "response body over " + std::to_string(options_.max_response_body_bytes) + " bytes"
            : ec.message();
    co_return Attempt{UpstreamError{"reading from " + address_text_ + " failed: " + why},
                      reused && nothing_read};
  }

  ProxyResponse response = parser.release();
  if (response.keep_alive() && buffer.size() == 0 && idle_.size() < options_.max_idle_connections) {
    idle_.push_back(std::move(stream));
  } else {
    stream->socket().close(ec);
  }
  co_return Attempt{std::move(response), false};
}

}  // namespace panguard::agent
