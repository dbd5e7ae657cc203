#include "webhook_receiver.h"

#include <sys/socket.h>

#include <map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace panguard::integration {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using alerts::webhook::VerifyResult;
using asio::ip::tcp;

struct WebhookReceiver::Server {
  Server(std::vector<std::string> secrets, std::optional<ReceiverTls> tls_files, bool count)
      : verifier({std::move(secrets)}), count_only(count) {
    if (tls_files) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->use_certificate_chain_file(tls_files->cert_file);
      tls->use_private_key_file(tls_files->key_file, asio::ssl::context::pem);
    }
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor.listen();
    accept_thread = std::thread([this] { accept_loop(); });
  }

  ~Server() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
      boost::system::error_code ignored;
      // A blocking accept() is woken by shutdown(2) of the listening socket, not by close(2).
      ::shutdown(acceptor.native_handle(), SHUT_RDWR);
      for (auto* socket : sockets) {
        socket->shutdown(tcp::socket::shutdown_both, ignored);
      }
    }
    accept_thread.join();
    for (auto& t : threads) t.join();
    boost::system::error_code ignored;
    acceptor.close(ignored);
  }

  void accept_loop() {
    while (true) {
      auto socket = std::make_unique<tcp::socket>(io);
      boost::system::error_code ec;
      acceptor.accept(*socket, ec);
      std::lock_guard lock(mutex);
      if (stopping) return;
      if (ec) continue;
      sockets.push_back(socket.get());
      threads.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  template <class Stream>
  void serve_http(Stream& stream) {
    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      boost::system::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& request = parser.get();
      ReceivedRequest received;
      received.id = std::string(request["webhook-id"]);
      received.timestamp = std::string(request["webhook-timestamp"]);
      received.signature = std::string(request["webhook-signature"]);
      received.target = std::string(request.target());
      received.at = std::chrono::steady_clock::now();
      if (!count_only) received.body = request.body();
      received.verdict = verifier.verify(received.id, received.timestamp, received.signature,
                                         request.body(), std::chrono::system_clock::now());
      ReceiverReply reply;
      std::size_t attempt = 0;
      if (received.verdict == VerifyResult::kOk) {
        std::function<ReceiverReply(const ReceivedRequest&, std::size_t)> h;
        {
          std::lock_guard lock(mutex);
          attempt = attempts[received.id]++;
          h = handler;
        }
        if (h) reply = h(received, attempt);
        if (reply.status < 200 || reply.status >= 300) verifier.forget(received.id);
      } else if (received.verdict == VerifyResult::kReplayed) {
        reply.status = 200;  // already have it
      } else {
        reply.status = 401;
      }
      if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
      received.answered = reply.status;
      record(received, request.body());
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      response.set(http::field::content_type, "text/plain");
      if (!reply.retry_after.empty()) response.set(http::field::retry_after, reply.retry_after);
      response.keep_alive(request.keep_alive());
      response.body() = "ok";
      response.prepare_payload();
      http::write(stream, response, ec);
      if (ec || !request.keep_alive()) return;
    }
  }

  void record(ReceivedRequest& received, const std::string& body) {
    uint64_t alerts = 0;
    std::vector<std::string> ids;
    const bool ok = received.answered >= 200 && received.answered < 300;
    if (ok && count_only) {
      for (std::size_t pos = body.find(R"({"id":")"); pos != std::string::npos;
           pos = body.find(R"({"id":")", pos + 1)) {
        ++alerts;
      }
    } else if (ok) {
      const auto json = nlohmann::json::parse(body, nullptr, false);
      if (json.is_object() && json.contains("alerts") && json["alerts"].is_array()) {
        for (const auto& alert : json["alerts"]) ids.push_back(alert.value("id", ""));
      }
      alerts = ids.size();
    }
    if (count_only) received.body.clear();
    std::lock_guard lock(mutex);
    delivered_count += alerts;
    for (auto& id : ids) delivered.insert(std::move(id));
    if (received.verdict == VerifyResult::kBadSignature ||
        received.verdict == VerifyResult::kTimestampOutOfRange ||
        received.verdict == VerifyResult::kBadTimestamp ||
        received.verdict == VerifyResult::kMissingHeader) {
      ++rejected;
    }
    if (!count_only) log.push_back(std::move(received));
    changed.notify_all();
  }

  void serve(std::unique_ptr<tcp::socket> socket) {
    if (tls) {
      asio::ssl::stream<tcp::socket&> stream(*socket, *tls);
      boost::system::error_code ec;
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) {
        std::lock_guard lock(mutex);
        ++handshake_failures;
        changed.notify_all();
      } else {
        serve_http(stream);
      }
    } else {
      serve_http(*socket);
    }
    std::lock_guard lock(mutex);
    std::erase(sockets, socket.get());
    boost::system::error_code ignored;
    socket->close(ignored);
  }

  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  alerts::webhook::WebhookVerifier verifier;
  const bool count_only;
  std::thread accept_thread;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  bool stopping = false;
  std::vector<tcp::socket*> sockets;
  std::vector<std::thread> threads;
  std::function<ReceiverReply(const ReceivedRequest&, std::size_t)> handler;
  std::map<std::string, std::size_t> attempts;
  std::vector<ReceivedRequest> log;
  std::multiset<std::string> delivered;
  uint64_t delivered_count = 0;
  uint64_t handshake_failures = 0;
  uint64_t rejected = 0;
};

WebhookReceiver::WebhookReceiver(std::vector<std::string> secrets, std::optional<ReceiverTls> tls,
                                 bool count_only)
    : server_(std::make_unique<Server>(std::move(secrets), std::move(tls), count_only)),
      port_(server_->acceptor.local_endpoint().port()) {}

WebhookReceiver::~WebhookReceiver() = default;

std::string WebhookReceiver::url(const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + "/hooks/panguard";
}

void WebhookReceiver::set_handler(
    std::function<ReceiverReply(const ReceivedRequest&, std::size_t)> handler) {
  std::lock_guard lock(server_->mutex);
  server_->handler = std::move(handler);
}

std::vector<ReceivedRequest> WebhookReceiver::requests() const {
  std::lock_guard lock(server_->mutex);
  return server_->log;
}

std::multiset<std::string> WebhookReceiver::delivered_alert_ids() const {
  std::lock_guard lock(server_->mutex);
  return server_->delivered;
}

uint64_t WebhookReceiver::delivered_alert_count() const {
  std::lock_guard lock(server_->mutex);
  return server_->delivered_count;
}

uint64_t WebhookReceiver::tls_handshake_failures() const {
  std::lock_guard lock(server_->mutex);
  return server_->handshake_failures;
}

uint64_t WebhookReceiver::rejected() const {
  std::lock_guard lock(server_->mutex);
  return server_->rejected;
}

bool WebhookReceiver::wait_for_alerts(uint64_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(server_->mutex);
  return server_->changed.wait_for(lock, timeout,
                                   [&] { return server_->delivered_count >= count; });
}

bool WebhookReceiver::wait_for_requests(std::size_t count,
                                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(server_->mutex);
  return server_->changed.wait_for(lock, timeout, [&] { return server_->log.size() >= count; });
}

}  // namespace panguard::integration
