// libFuzzer target: raw bytes as a client would send them to the Vault proxy, through the same
// socket-free steps the proxy takes: Beast's request parser with the proxy's header and body
// limits, then framing_rejection() and body_expectation() on the header, then the body, then
// canonicalize() and the request the proxy would forward (serialize_upstream_head). Nothing may
// crash, and:
//   - framing that passes is unambiguous: at most one Content-Length, no list in it, never
//     Content-Length together with Transfer-Encoding, Transfer-Encoding only "chunked", and no
//     Connection token naming an end-to-end field the request carries;
//   - a 100 Continue is promised only to an HTTP/1.1 request with exactly one Expect;
//   - the body stays within the limit;
//   - the forwarded request of a canonical one, serialized as the upstream pool does
//     (serialize_upstream_head, then the body; byte for byte what Beast writes after its own
//     erase and prepare_payload) and parsed again, is exactly one message with the same method,
//     target and body, and carries neither the session header nor hop-by-hop framing headers:
//     what the upstream reads is what the proxy judged (no smuggling through it).
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
#include <variant>
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
  // Nothing the request carries end to end may be named by Connection (the proxy drops those).
  for (const auto& field : headers) {
    if (field.name() != http::field::connection &&
        panguard::agent::is_hop_by_hop(headers, field.name_string()) &&
        !panguard::agent::is_hop_by_hop_field(field.name())) {
      fail("Connection names an end-to-end field that was accepted", field.name_string());
    }
  }
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

// Beast's own way to the upstream request, the reference serialize_upstream_head must match
// byte for byte: Beast erases the same fields (judged against the Connection tokens as received),
// then version(11), keep_alive(true), prepare_payload(), and its serializer writes the message.
std::string beast_upstream_bytes(const ProxyRequest& request) {
  ProxyRequest forwarded = request;
  for (auto field = forwarded.begin(); field != forwarded.end();) {
    const bool dropped = field->name() == http::field::content_length ||
                         field->name() == http::field::expect ||
                         panguard::agent::is_hop_by_hop(request, field->name_string()) ||
                         boost::beast::iequals(field->name_string(), kSessionHeader);
    field = dropped ? forwarded.erase(field) : std::next(field);
  }
  forwarded.version(11);
  forwarded.keep_alive(true);
  forwarded.prepare_payload();
  std::ostringstream wire;
  wire << forwarded;
  return wire.str();
}

// The forwarded bytes must be Beast's, and parse back to one message equal to the one judged.
void check_forwarded(const ProxyRequest& request) {
  // What the upstream pool writes: the flat head, then the body.
  std::string bytes;
  panguard::agent::serialize_upstream_head(request, kSessionHeader, bytes);
  bytes += request.body();
  if (bytes != beast_upstream_bytes(request)) fail("upstream bytes differ from Beast's", bytes);

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
  if (reparsed.find(kSessionHeader) != reparsed.end()) fail("session header forwarded", "");
  if (count(reparsed, http::field::transfer_encoding) != 0) {
    fail("Transfer-Encoding forwarded", "");
  }
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
  using panguard::agent::Expectation;
  const Expectation expectation = panguard::agent::body_expectation(parser.get());
  if (expectation == Expectation::kUnsupported) return 0;  // 417 in the proxy
  if (expectation == Expectation::kContinue &&
      (parser.get().version() < 11 || count(parser.get(), http::field::expect) != 1)) {
    fail("100 Continue promised to an HTTP/1.0 client or on a repeated Expect", "");
  }

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
  // on whatever the HTTP layer lets through. Only what it accepts can be forwarded (it refuses
  // TRACE, for which Beast's reference would throw).
  const auto canonical =
      panguard::vault::canonicalize(request.method_string(), request.target(), namespaces, layout);
  if (std::holds_alternative<panguard::vault::CanonicalRequest>(canonical)) {
    check_forwarded(request);
  }
  return 0;
}
