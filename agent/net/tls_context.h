// TLS for the Vault proxy, both sides, on OpenSSL 3 through Boost.Asio: a client context for an
// https upstream (and the Kubernetes API client) and a server context for the optional listener.
// TLS 1.2 is the floor on both.
// Upstream verification is always on: there is deliberately no switch to turn it off.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <variant>

#include "alerts/net/outbound.h"

namespace panguard::agent {

using TlsContext = std::shared_ptr<boost::asio::ssl::context>;

// Shared with the alert sinks' clients (alerts/net/outbound.h).
using alerts::net::bind_peer_name;
using alerts::net::openssl_error;

// A client context that verifies its peer (TLS 1.2 or newer, no compression, no renegotiation)
// with no trust anchors loaded yet: the caller loads its own CA. Returns it or the OpenSSL error.
std::variant<TlsContext, std::string> make_verifying_client_context();

// Peer certificate checked against `ca_file` (a PEM bundle) or, when it is empty, the system
// trust store. Returns the context or an error message naming vault.upstream_ca_file.
std::variant<TlsContext, std::string> make_upstream_tls_context(const std::string& ca_file);

// Serves `cert_file` (PEM chain) with `key_file` (PEM key). The key file must not be readable
// or writable by group or others: a key the whole node can read is a key already leaked.
// Returns the context or an error message naming the vault.tls.* key.
std::variant<TlsContext, std::string> make_listener_tls_context(const std::string& cert_file,
                                                                const std::string& key_file);

}  // namespace panguard::agent
