// libFuzzer target: raw bytes as a client would send them to the Vault proxy, through the same
// socket-free steps the proxy takes: Beast's request parser with the proxy's header and body
// limits, then framing_rejection() on the header, then the body, then canonicalize() and the
// request the proxy would forward (upstream_request). Nothing may crash, and:
//   - framing that passes is unambiguous: at most one Content-Length, no list in it, never
//     Content-Length together with Transfer-Encoding, and Transfer-Encoding only "chunked";
//   - the body stays within the limit;
//   - the forwarded request, serialized as the upstream pool does (serialize_head, then
//     the body; byte for byte what Beast's serializer writes) and parsed again, is exactly one
//     message with the same method, target and body, and carries neither the session header nor
//     hop-by-hop framing headers: what the upstream reads is what the proxy judged (no
//     smuggling through it).
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/sources/vault/request_event.h"
#include "agent/sources/vault/request_target.h"
#include "agent/vault_proxy/proxy_http.h"
#include "agent/vault_proxy/request_framing.h"
#include "agent/vault_proxy/request_limits.h"

namespace http = boost::beast::http;
using panguard::agent::ProxyRequest;

namespace {

constexpr std::string_view kSessionHeader = "X-Panguard-Session";  // vault.session_header default

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "invariant broken: %s: [%.*s]\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::ptrdiff_t count(const http::fields& fields, http::field name) {
  const auto range = fields.equal_range(name);
  return std::distance(range.first, range.second);
}

void check_accepted_framing(const http::fields& headers) {
  const auto lengths = count(headers, http::field::content_length);
  const auto encodings = count(headers, http::field::transfer_encoding);
  if (lengths > 1) fail("two Content-Length accepted", "");
  if (lengths == 1 && headers[http::field::content_length].find(',') != std::string_view::npos) {
    fail("Content-Length list accepted", headers[http::field::content_length]);
  }
  if (lengths > 0 && encodings > 0) fail("Content-Length with Transfer-Encoding accepted", "");
  if (encodings > 1) fail("two Transfer-Encoding accepted", "");
  if (encodings == 1 &&
      !boost::beast::iequals(headers[http::field::transfer_encoding], "chunked")) {
    fail("Transfer-Encoding other than chunked accepted", headers[http::field::transfer_encoding]);
  }
}

// The forwarded bytes must parse back to one message equal to the one judged.
void check_forwarded(const ProxyRequest& request) {
  const ProxyRequest forwarded = panguard::agent::upstream_request(request, kSessionHeader);
  if (forwarded.find(kSessionHeader) != forwarded.end()) fail("session header forwarded", "");
  if (count(forwarded, http::field::transfer_encoding) != 0)
    fail("Transfer-Encoding forwarded", "");
  // What the upstream pool writes: the flat head, then the body. It must be Beast's bytes.
  std::string bytes;
  panguard::agent::serialize_head(forwarded, bytes);
  bytes += forwarded.body();
  std::ostringstream wire;
  wire << forwarded;
  if (bytes != wire.str()) fail("flat serialization differs from Beast's", bytes);

  http::request_parser<http::string_body> again;
  again.header_limit(static_cast<std::uint32_t>(bytes.size()));
  again.body_limit(bytes.size());
  boost::beast::error_code ec;
  std::size_t used = again.put(boost::asio::buffer(bytes), ec);
  while (!ec && !again.is_done() && used < bytes.size()) {
    used += again.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
  }
  if (ec || !again.is_done()) fail("forwarded request does not parse", ec.message());
  if (used != bytes.size()) fail("forwarded request has trailing bytes", bytes);
  const ProxyRequest& reparsed = again.get();
  if (reparsed.method_string() != request.method_string()) fail("method", request.method_string());
  if (reparsed.target() != request.target()) fail("target", request.target());
  if (reparsed.body() != request.body()) fail("body", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const panguard::vault::TenantPatterns patterns =
      panguard::vault::TenantPatterns::defaults();
  static const panguard::vault::RequestLayout layout = panguard::vault::request_layout(patterns);

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(panguard::agent::kDefaultMaxRequestHeaderBytes));
  parser.body_limit(panguard::agent::kDefaultMaxRequestBodyBytes);
  parser.eager(false);  // stop after the header, as async_read_header does

  const auto* bytes = reinterpret_cast<const char*>(data);
  std::size_t used = 0;
  boost::beast::error_code ec;
  while (!ec && !parser.is_header_done() && used < size) {
    used += parser.put(boost::asio::buffer(bytes + used, size - used), ec);
    if (ec == http::error::need_more) return 0;  // the proxy would wait for more bytes
  }
  if (ec || !parser.is_header_done()) return 0;  // 400 / 431 / 413 in the proxy
  if (panguard::agent::framing_rejection(parser.get())) return 0;
  check_accepted_framing(parser.get());

  parser.eager(true);
  while (!ec && !parser.is_done() && used < size) {
    used += parser.put(boost::asio::buffer(bytes + used, size - used), ec);
  }
  if (ec || !parser.is_done()) return 0;
  const ProxyRequest& request = parser.get();
  if (request.body().size() > panguard::agent::kDefaultMaxRequestBodyBytes) {
    fail("body over the limit", "");
  }

  std::vector<std::string_view> namespaces;
  const auto fields = request.equal_range("X-Vault-Namespace");
  for (auto field = fields.first; field != fields.second; ++field) {
    namespaces.push_back(field->value());
  }
  // Canonicalization's own invariants are fuzz_vault_request's job; here it must just not crash
  // on whatever the HTTP layer lets through.
  (void)panguard::vault::canonicalize(request.method_string(), request.target(), namespaces,
                                      layout);
  check_forwarded(request);
  return 0;
}
