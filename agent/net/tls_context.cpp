#include "agent/net/tls_context.h"

#include <sys/stat.h>

#include <cstdio>

namespace panguard::agent {
namespace {

namespace ssl = boost::asio::ssl;

// Settings both sides share: TLS 1.2 or newer, no compression (CRIME), no renegotiation.
std::string harden(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return openssl_error();
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return "";
}

}  // namespace

std::variant<TlsContext, std::string> make_verifying_client_context() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  if (std::string error = harden(ctx); !error.empty()) return error;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return context;
}

std::variant<TlsContext, std::string> make_upstream_tls_context(const std::string& ca_file) {
  auto made = make_verifying_client_context();
  if (auto* error = std::get_if<std::string>(&made)) return "vault.upstream: " + *error;
  TlsContext context = std::get<TlsContext>(std::move(made));
  SSL_CTX* ctx = context->native_handle();
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return "vault.upstream: cannot load the system trust store: " + openssl_error();
    }
  } else if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return "vault.upstream_ca_file: cannot load CA certificates from " + ca_file + ": " +
           openssl_error();
  }
  return context;
}

std::variant<TlsContext, std::string> make_listener_tls_context(const std::string& cert_file,
                                                                const std::string& key_file) {
  struct stat key_stat {};
  if (::stat(key_file.c_str(), &key_stat) != 0) {
    return "vault.tls.key_file: cannot read " + key_file;
  }
  if ((key_stat.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(key_stat.st_mode & 07777));
    return "vault.tls.key_file: " + key_file + " has mode " + mode +
           ": group or others can access it; restrict it to the owner (chmod 600)";
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  if (std::string error = harden(ctx); !error.empty()) return "vault.tls: " + error;
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return "vault.tls.cert_file: cannot load " + cert_file + ": " + openssl_error();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return "vault.tls.key_file: cannot load " + key_file + ": " + openssl_error();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return "vault.tls.key_file: does not match vault.tls.cert_file: " + openssl_error();
  }
  return context;
}

}  // namespace panguard::agent
