#include "tls_client.h"

#include <openssl/ssl.h>
#include <unistd.h>

#include <memory>

#include "socket_helpers.h"

namespace panguard::integration {

TlsExchange tls_exchange(uint16_t port, const std::string& ca_file, const std::string& host,
                         const std::string& request) {
  TlsExchange result;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) return result;
  const int fd = connect_loopback(port);
  if (fd < 0) return result;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  SSL_set1_host(ssl.get(), host.c_str());
  if (SSL_connect(ssl.get()) == 1) {
    result.handshake_ok = true;
    if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) ==
        static_cast<int>(request.size())) {
      char buf[8192];
      int n;
      while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0) {
        result.response.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ssl.reset();
  ::close(fd);
  return result;
}

}  // namespace panguard::integration
