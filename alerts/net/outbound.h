// The pieces every outbound client shares (webhook and Alertmanager sinks here; the Kubernetes
// API client and the Vault upstream pool in the agent, which links this library): a DNS lookup
// with a deadline, the peer name a TLS connection must verify, and OpenSSL's error as text.
#pragma once

#include <openssl/ssl.h>

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace panguard::alerts::net {

// The oldest queued OpenSSL error as text, and the queue cleared so later calls start clean.
std::string openssl_error();

// Binds one client connection to `host`: SNI (for DNS names only, as RFC 6066 asks) and the name
// or IP address the peer's certificate must carry, whole-label wildcards only. Returns an error
// message, or "".
std::string bind_peer_name(SSL* ssl, const std::string& host);

// Resolves host:port, giving up after `timeout` (the resolver has no deadline of its own).
// Returns the endpoints, or "cannot resolve <host>: <why>".
boost::asio::awaitable<std::variant<boost::asio::ip::tcp::resolver::results_type, std::string>>
resolve_within(boost::asio::any_io_executor executor, const std::string& host, uint16_t port,
               std::chrono::milliseconds timeout);

}  // namespace panguard::alerts::net
