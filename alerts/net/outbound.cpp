#include "alerts/net/outbound.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace panguard::alerts::net {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string bind_peer_name(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  // "*.example.com" matches one whole label, never "w*.example.com"-style partial wildcards.
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (!not_ip) {
    // An IP literal is checked against the certificate's IP SANs; no SNI for addresses.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return "cannot set the expected peer address: " + openssl_error();
    }
    return "";
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 || SSL_set1_host(ssl, host.c_str()) != 1) {
    return "cannot set the expected peer name: " + openssl_error();
  }
  return "";
}

asio::awaitable<std::variant<tcp::resolver::results_type, std::string>> resolve_within(
    asio::any_io_executor executor, const std::string& host, uint16_t port,
    std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([&resolver](boost::system::error_code wait_ec) {
    if (!wait_ec) resolver.cancel();
  });
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  if (ec) co_return "cannot resolve " + host + ": " + ec.message();
  co_return endpoints;
}

}  // namespace panguard::alerts::net
