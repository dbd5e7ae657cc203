#include "kube_api_stand_in.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdio>

namespace panguard::integration {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

KubeRequest describe(const http::request<http::string_body>& request) {
  KubeRequest out;
  out.target = std::string(request.target());
  const auto question = out.target.find('?');
  out.path = out.target.substr(0, question);
  if (question != std::string::npos) {
    std::string rest = out.target.substr(question + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string pair = rest.substr(0, amp);
      const auto eq = pair.find('=');
      out.query[percent_decode(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
      rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
    }
  }
  if (const auto auth = request.find(http::field::authorization); auth != request.end()) {
    out.authorization = std::string(auth->value());
  }
  return out;
}

std::string chunk(const std::string& bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}

}  // namespace

struct KubeApiStandIn::Server {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::vector<std::thread> connections;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::map<std::string, std::string> lists;
  std::map<std::string, std::size_t> list_counts;
  std::map<std::string, std::deque<std::shared_ptr<WatchStream>>> watches;
  std::vector<KubeRequest> requests;
  uint64_t handshake_failures = 0;

  void serve(std::shared_ptr<tcp::socket> socket) {
    asio::ssl::stream<tcp::socket&> stream(*socket, tls);
    boost::system::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      std::lock_guard lock(mutex);
      ++handshake_failures;
      return;
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    KubeRequest seen = describe(request);
    const bool is_watch = seen.query.count("watch") && seen.query.at("watch") == "true";
    std::shared_ptr<WatchStream> watch;
    std::string list_body;
    {
      std::lock_guard lock(mutex);
      requests.push_back(seen);
      if (is_watch) {
        watch = std::make_shared<WatchStream>(seen);
        watch->mutex_ = &mutex;
        watch->wake_ = &wake;
        watches[seen.path].push_back(watch);
      } else {
        ++list_counts[seen.path];
        const auto found = lists.find(seen.path);
        list_body = found == lists.end() ? "" : found->second;
      }
    }
    wake.notify_all();
    if (!watch) {
      const std::string status = list_body.empty() ? "404 Not Found" : "200 OK";
      const std::string response =
          "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(list_body.size()) + "\r\nConnection: close\r\n\r\n" + list_body;
      asio::write(stream, asio::buffer(response), ec);
      stream.shutdown(ec);
      return;
    }
    bool headers_sent = false;
    auto send_headers = [&] {
      if (headers_sent) return;
      headers_sent = true;
      const std::string head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
          "Connection: close\r\n\r\n";
      asio::write(stream, asio::buffer(head), ec);
    };
    for (;;) {
      const WatchStream::Command command = watch->next(stopping, mutex, wake);
      switch (command.kind) {
        case WatchStream::Command::Kind::kChunk:
          send_headers();
          asio::write(stream, asio::buffer(chunk(command.bytes)), ec);
          break;
        case WatchStream::Command::Kind::kEnd:
          send_headers();
          asio::write(stream, asio::buffer(std::string("0\r\n\r\n")), ec);
          stream.shutdown(ec);
          return;
        case WatchStream::Command::Kind::kDrop:
          socket->close(ec);
          return;
        case WatchStream::Command::Kind::kFail: {
          const std::string response =
              "HTTP/1.1 " + std::to_string(command.status) +
              " Error\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(command.bytes.size()) + "\r\nConnection: close\r\n\r\n" +
              command.bytes;
          asio::write(stream, asio::buffer(response), ec);
          stream.shutdown(ec);
          return;
        }
      }
      if (ec) return;
    }
  }
};

void WatchStream::push(Command command) {
  {
    std::lock_guard lock(*mutex_);
    commands_.push_back(std::move(command));
  }
  wake_->notify_all();
}

void WatchStream::send(const std::string& json_object) {
  const std::string line = json_object + "\n";
  const std::size_t half = line.size() / 2;
  push({Command::Kind::kChunk, line.substr(0, half)});
  push({Command::Kind::kChunk, line.substr(half)});
}

void WatchStream::send_raw(const std::string& bytes) { push({Command::Kind::kChunk, bytes}); }
void WatchStream::end() { push({Command::Kind::kEnd, ""}); }
void WatchStream::drop() { push({Command::Kind::kDrop, ""}); }
void WatchStream::fail(unsigned status, const std::string& body) {
  push({Command::Kind::kFail, body, status});
}

WatchStream::Command WatchStream::next(const bool& stopping, std::mutex& server_mutex,
                                       std::condition_variable& wake) {
  std::unique_lock lock(server_mutex);
  wake.wait(lock, [&] { return stopping || !commands_.empty(); });
  if (commands_.empty()) return {Command::Kind::kDrop, ""};
  Command command = std::move(commands_.front());
  commands_.pop_front();
  return command;
}

KubeApiStandIn::KubeApiStandIn(const std::string& cert_file, const std::string& key_file)
    : server_(std::make_unique<Server>()) {
  server_->tls.use_certificate_chain_file(cert_file);
  server_->tls.use_private_key_file(key_file, asio::ssl::context::pem);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  server_->acceptor.open(endpoint.protocol());
  server_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  server_->acceptor.bind(endpoint);
  server_->acceptor.listen();
  port_ = server_->acceptor.local_endpoint().port();
  server_->accept_thread = std::thread([server = server_.get()] {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(server->io);
      boost::system::error_code ec;
      server->acceptor.accept(*socket, ec);
      std::lock_guard lock(server->mutex);
      if (server->stopping) return;
      if (ec) continue;
      server->sockets.push_back(socket);
      server->connections.emplace_back([server, socket] { server->serve(socket); });
    }
  });
}

KubeApiStandIn::~KubeApiStandIn() {
  {
    std::lock_guard lock(server_->mutex);
    server_->stopping = true;
    boost::system::error_code ignored;
    for (const auto& socket : server_->sockets)
      socket->shutdown(tcp::socket::shutdown_both, ignored);
  }
  server_->wake.notify_all();
  boost::system::error_code ignored;
  server_->acceptor.cancel(ignored);
  server_->acceptor.close(ignored);
  // A blocking accept() may not see close(); a connection wakes it for sure.
  {
    tcp::socket poke(server_->io);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
  }
  server_->accept_thread.join();
  for (auto& connection : server_->connections) connection.join();
}

void KubeApiStandIn::set_list(const std::string& path, const std::string& body) {
  std::lock_guard lock(server_->mutex);
  server_->lists[path] = body;
}

std::shared_ptr<WatchStream> KubeApiStandIn::next_watch(const std::string& path,
                                                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(server_->mutex);
  auto& queue = server_->watches[path];
  if (!server_->wake.wait_for(lock, timeout, [&] { return !queue.empty(); })) return nullptr;
  auto watch = queue.front();
  queue.pop_front();
  return watch;
}

std::vector<KubeRequest> KubeApiStandIn::requests() const {
  std::lock_guard lock(server_->mutex);
  return server_->requests;
}

std::size_t KubeApiStandIn::list_count(const std::string& path) const {
  std::lock_guard lock(server_->mutex);
  const auto found = server_->list_counts.find(path);
  return found == server_->list_counts.end() ? 0 : found->second;
}

uint64_t KubeApiStandIn::handshake_failures() const {
  std::lock_guard lock(server_->mutex);
  return server_->handshake_failures;
}

}  // namespace panguard::integration
