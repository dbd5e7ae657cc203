// libFuzzer target, differential: raw bytes as an upstream would answer the Vault proxy, through
// RelayResponseParser driven as response_relay.h drives it (the body into 7-byte pieces, EOF at
// the end of the input) and through the oracle (tests/unit/agent/relay_response_oracle.h):
// Beast's response_parser<string_body> with the same limits, then the client's header as the
// proxy built it before it had its own parser (hop-by-hop fields erased as is_hop_by_hop() judges
// them, HTTP/1.1, the relay's framing, Beast's serializer). Aborts unless:
//   - both accept or both reject, with the same error and the same bytes consumed;
//   - the relay never stalls (a parse step that takes no byte and gives no body);
//   - on acceptance the client's header is the oracle's byte for byte, both when finish_head ran
//     and when the relay sends it (with the first body bytes, or at the end when there are none);
//   - the bodies are equal, and no piece is empty or over its size.
// The first byte picks the request (bit 0: HEAD), what the client is told (bit 1: keep-alive)
// and how the upstream's bytes arrive (bits 2-7: that many a read, so a header or a chunk splits
// anywhere; 0: all at once; see read_size_of).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/unit/agent/relay_response_oracle.h"

namespace {

using panguard::agent::relay_oracle::Relayed;
using panguard::agent::relay_oracle::RelayOptions;

// A modest limit in both parsers (the proxy has none), so that body_limit is exercised.
constexpr std::uint64_t kBodyLimit = 8 * 1024 * 1024;
// Beast charges an EOF-delimited body's limit for every byte offered to put(), not only those a
// full piece lets it take: with 7-byte pieces n bytes cost about n*n/14 of it. Under this cap that
// stays below kBodyLimit, so the limit means the same to both parsers.
constexpr std::size_t kMaxInput = 8 * 1024;

// CR, LF and other unprintable bytes escaped, so that a header shows as one line.
std::string printable(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c > 0x7e) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

[[noreturn]] void fail(const char* what, std::string_view got, std::string_view want) {
  std::fprintf(stderr, "relay differs from Beast: %s\n  relay: [%s]\n  beast: [%s]\n", what,
               printable(got).c_str(), printable(want).c_str());
  std::abort();
}

void compare(const Relayed& got, const Relayed& want, std::size_t piece_size) {
  if (got.error != want.error) fail("verdict", got.error.message(), want.error.message());
  if (got.used != want.used) {
    fail("bytes consumed", std::to_string(got.used), std::to_string(want.used));
  }
  if (got.done != want.done) fail("done", got.done ? "yes" : "no", want.done ? "yes" : "no");
  if (got.stuck) fail("a parse step took no bytes and gave no body", "", "");
  if (got.error) return;
  if (got.chunked != want.chunked) fail("framing", got.chunked ? "chunked" : "as is", "");
  if (panguard::agent::relay_oracle::grouped_like_beast(got.head_at_header) !=
      want.head_at_header) {
    fail("client header", got.head_at_header, want.head_at_header);
  }
  if (got.head_sent != got.head_at_header) {
    fail("client header changed before it was sent", got.head_sent, got.head_at_header);
  }
  if (got.body != want.body) fail("body", got.body, want.body);
  for (const std::string& piece : got.pieces) {
    if (piece.empty() || piece.size() > piece_size) fail("piece size", piece, "");
  }
}

// Bits 2-7 of the first byte: bytes per read, 0 for all at once. Not 1: Beast 1.74 asserts, in
// debug builds like this one, that a last chunk seen once with 3 bytes comes back with at least
// 5 (parse_chunk_header), which one-byte reads break; release builds parse those 4 bytes fine.
std::size_t read_size_of(uint8_t first) {
  const std::size_t size = first >> 2;
  return size == 1 ? 2 : size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0 || size > kMaxInput) return 0;
  const RelayOptions options{.head = (data[0] & 1) != 0,
                             .keep_alive = (data[0] & 2) != 0,
                             .read_size = read_size_of(data[0]),
                             .body_limit = kBodyLimit};
  const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  compare(panguard::agent::relay_oracle::relay_with_parser(wire, options),
          panguard::agent::relay_oracle::relay_with_beast(wire, options), options.piece_size);
  return 0;
}
