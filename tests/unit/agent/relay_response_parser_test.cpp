#include "agent/vault_proxy/relay_response_parser.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/agent/relay_response_oracle.h"

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;
using relay_oracle::relay_with_beast;
using relay_oracle::relay_with_parser;
using relay_oracle::RelayOptions;

// The parser against the oracle: same verdict, same bytes consumed, and on acceptance the same
// client header (when finish_head ran and when the relay sends it) and the same body.
void expect_relayed_like_beast(std::string_view wire, const RelayOptions& options = {}) {
  SCOPED_TRACE(::testing::Message()
               << "head=" << options.head << " keep_alive=" << options.keep_alive
               << " read_size=" << options.read_size << " input:\n"
               << wire);
  const auto got = relay_with_parser(wire, options);
  const auto want = relay_with_beast(wire, options);
  ASSERT_EQ(got.error, want.error) << got.error.message() << " vs " << want.error.message();
  EXPECT_EQ(got.used, want.used);
  EXPECT_EQ(got.done, want.done);
  if (want.error) return;
  EXPECT_EQ(got.chunked, want.chunked);
  EXPECT_FALSE(got.stuck);
  EXPECT_EQ(relay_oracle::grouped_like_beast(got.head_at_header), want.head_at_header);
  EXPECT_EQ(got.head_sent, got.head_at_header) << "the header changed before it was sent";
  EXPECT_EQ(got.body, want.body);
}

// Every request kind, and the upstream's bytes all at once or a few at a time (a header and
// its chunks split at every offset). Not one at a time: Beast 1.74 asserts in debug builds that
// a last chunk seen with 3 bytes comes back with at least 5 (see fuzz_relay_response.cpp).
void expect_relayed_like_beast_in_every_mode(std::string_view wire) {
  for (const bool head : {false, true}) {
    for (const bool keep_alive : {true, false}) {
      for (const std::size_t read_size : {0, 2, 5}) {
        expect_relayed_like_beast(wire,
                                  {.head = head, .keep_alive = keep_alive, .read_size = read_size});
      }
    }
  }
}

TEST(RelayResponseParserTest, ReasonIsTheUpstreamsOrTheStandardOne) {
  for (const char* start : {"HTTP/1.1 200 OK", "HTTP/1.1 200 ", "HTTP/1.1 200 Fine By Me",
                            "HTTP/1.0 404 ", "HTTP/1.1 299 ", "HTTP/1.1 599 Odd", "HTTP/1.1 599 ",
                            "HTTP/1.1 503 Service Unavailable: try later"}) {
    expect_relayed_like_beast_in_every_mode(std::string(start) + "\r\nContent-Length: 2\r\n\r\nok");
  }
  // Pinned too, so the oracle cannot drift with it.
  const auto absent = relay_with_parser("HTTP/1.0 404 \r\nContent-Length: 0\r\n\r\n", {});
  EXPECT_EQ(absent.head_sent, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  const auto unknown = relay_with_parser("HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n", {});
  EXPECT_EQ(unknown.head_sent, "HTTP/1.1 299 <unknown-status>\r\nContent-Length: 0\r\n\r\n");
  const auto custom = relay_with_parser("HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n", {});
  EXPECT_EQ(custom.head_sent, "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n");
}

TEST(RelayResponseParserTest, HopByHopFieldsGoInAnyCase) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "CONNECTION: Keep-Alive\r\n"
      "keep-alive: timeout=5\r\n"
      "Content-Type: application/json\r\n"
      "Proxy-AUTHENTICATE: Basic\r\n"
      "proxy-authorization: Basic Zm9v\r\n"
      "X-Vault-Index: \r\n"
      "Proxy-Connection: keep-alive\r\n"
      "tE: trailers\r\n"
      "TRAILER: X-Checksum\r\n"
      "upgrade: h2c\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "{}";
  expect_relayed_like_beast_in_every_mode(wire);
  const auto relayed = relay_with_parser(wire, {});
  EXPECT_EQ(relayed.head_sent,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Vault-Index: \r\n"
            "Content-Length: 2\r\n\r\n");
  EXPECT_EQ(relayed.body, "{}");
}

TEST(RelayResponseParserTest, FieldsConnectionNamesGoWhereverTheyCome) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "X-Before: 1\r\n"  // named by the Connection line after it
      "x-BEFORE: 2\r\n"  // the same name again, other case
      "Content-Type: text/plain\r\n"
      "Connection: x-before, X-After\r\n"
      "X-After: 3\r\n"
      "X-Third: 4\r\n"
      "Connection: ,x-third ,\r\n"  // a second Connection line, empty list elements
      "X-Kept: 5\r\n"
      "X-Before-Not: 6\r\n"  // a prefix of a named field is not that field
      "Content-Length: 0\r\n"
      "\r\n";
  expect_relayed_like_beast_in_every_mode(wire);
  EXPECT_EQ(relay_with_parser(wire, {}).head_sent,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Kept: 5\r\nX-Before-Not: 6\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(RelayResponseParserTest, ConnectionCanNameAnEndToEndFieldButNotTheLength) {
  // Odd but legal: Connection names Content-Type, which then does not reach the client, and
  // Content-Length, which stays: the relay passes the body on with that framing, and without it
  // a keep-alive client could not tell where the body ends.
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
      "Connection: content-type, CONTENT-LENGTH, keep-alive\r\nX-Kept: y\r\n\r\nabc";
  expect_relayed_like_beast_in_every_mode(wire);
  const auto relayed = relay_with_parser(wire, {});
  EXPECT_EQ(relayed.head_sent, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Kept: y\r\n\r\n");
  EXPECT_EQ(relayed.body, "abc");
}

TEST(RelayResponseParserTest, ConnectionKeepAliveAloneDropsOnlyTheHopByHopFields) {
  const std::string wire =
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\n"
      "Cache-Control: no-store\r\nContent-Length: 4\r\n\r\nbody";
  expect_relayed_like_beast_in_every_mode(wire);
  EXPECT_EQ(relay_with_parser(wire, {}).head_sent,
            "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(relay_with_parser(wire, {.keep_alive = false}).head_sent,
            "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 4\r\n"
            "Connection: close\r\n\r\n");
}

TEST(RelayResponseParserTest, ConnectionCloseIsTheUpstreamsNotTheClients) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\nX-Vault-Index: 7\r\n\r\nok";
  expect_relayed_like_beast_in_every_mode(wire);
  // The client's connection lives on when the proxy says so.
  EXPECT_EQ(relay_with_parser(wire, {}).head_sent,
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Vault-Index: 7\r\n\r\n");
}

TEST(RelayResponseParserTest, FinishHeadAddsTheRelaysFraming) {
  // No Content-Length, so every combination is one the relay can ask for.
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end";
  for (const bool chunked : {false, true}) {
    for (const bool keep_alive : {false, true}) {
      expect_relayed_like_beast(wire, {.keep_alive = keep_alive, .chunked = chunked});
    }
  }
  const std::string start = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
  EXPECT_EQ(relay_with_parser(wire, {.keep_alive = true, .chunked = false}).head_sent,
            start + "\r\n");
  EXPECT_EQ(relay_with_parser(wire, {.keep_alive = false, .chunked = false}).head_sent,
            start + "Connection: close\r\n\r\n");
  EXPECT_EQ(relay_with_parser(wire, {.keep_alive = true, .chunked = true}).head_sent,
            start + "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(relay_with_parser(wire, {.keep_alive = false, .chunked = true}).head_sent,
            start + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

// An HTTP/1.0 client's connection persists only when the answer says keep-alive (RFC 9112
// s9.3); an HTTP/1.1 client's persists unless told to close.
TEST(RelayResponseParserTest, FinishHeadTellsAnHttp10ClientToKeepAlive) {
  EXPECT_EQ(client_connection(true, true), ClientConnection::kPersists);
  EXPECT_EQ(client_connection(true, false), ClientConnection::kKeepAlive);
  EXPECT_EQ(client_connection(false, true), ClientConnection::kClose);
  EXPECT_EQ(client_connection(false, false), ClientConnection::kClose);
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  std::string head;
  RelayResponseParser parser(head);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_header_done());
  parser.finish_head(false, ClientConnection::kKeepAlive);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
}

// Drives the parser by hand: a 20-byte body into 7-byte pieces stops at each full piece with
// need_buffer, and the rest stays in the input for the next piece.
TEST(RelayResponseParserTest, ContentLengthBodyFillsPiecesAndStopsWithNeedBuffer) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij";
  std::string head;
  RelayResponseParser parser(head);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_header_done());
  EXPECT_EQ(used, wire.size() - 20);
  parser.finish_head(false, ClientConnection::kPersists);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n");

  std::vector<std::string> pieces;
  char piece[7];
  while (!parser.is_done()) {
    parser.set_body_buffer(piece);
    EXPECT_EQ(parser.body_bytes(), 0u);
    used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    if (!parser.is_done()) {
      ASSERT_EQ(ec, http::error::need_buffer);
    } else {
      ASSERT_FALSE(ec) << ec.message();
    }
    pieces.emplace_back(piece, parser.body_bytes());
  }
  EXPECT_EQ(pieces, (std::vector<std::string>{"0123456", "789abcd", "efghij"}));
  EXPECT_EQ(used, wire.size());
  expect_relayed_like_beast_in_every_mode(wire);
}

TEST(RelayResponseParserTest, ChunkedBodyIsDecodedWithoutItsExtensions) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
      "5;name=value;flag\r\n{\"a\":\r\n"
      "0000000B ; quoted=\"x;y\"\r\n1234567890}\r\n"
      "1\r\n\n\r\n"
      "0\r\n\r\n";
  expect_relayed_like_beast_in_every_mode(wire);
  const auto relayed = relay_with_parser(wire, {});
  EXPECT_TRUE(relayed.done);
  EXPECT_TRUE(relayed.chunked);
  EXPECT_EQ(relayed.head_sent,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(relayed.body, "{\"a\":1234567890}\n");
  // A piece goes to the client after each step that gave it bytes (one chunk's data at most, as
  // eager is off), never holding more than its size.
  EXPECT_EQ(relayed.pieces, (std::vector<std::string>{"{\"a\":", "1234567", "890}", "\n"}));
}

TEST(RelayResponseParserTest, BodyDelimitedByEofEndsWithPutEof) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the upstream closes";
  expect_relayed_like_beast_in_every_mode(wire);
  const auto relayed = relay_with_parser(wire, {});
  EXPECT_TRUE(relayed.done);
  EXPECT_TRUE(relayed.chunked);  // re-framed for the client
  EXPECT_EQ(relayed.body, "until the upstream closes");

  // By hand: the parser is not done until put_eof.
  std::string head;
  RelayResponseParser parser(head);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  ASSERT_TRUE(parser.is_header_done());
  std::string body(64, '\0');
  parser.set_body_buffer(body);
  used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, wire.size());
  EXPECT_FALSE(parser.is_done());
  parser.put_eof(ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(body.substr(0, parser.body_bytes()), "until the upstream closes");
}

TEST(RelayResponseParserTest, HeadAnswerIsTheHeaderAloneWithItsLength) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"x\"\r\n\r\n";
  expect_relayed_like_beast(wire, {.head = true});
  const auto relayed = relay_with_parser(wire + "HTTP/1.1 204 No Content\r\n\r\n", {.head = true});
  EXPECT_FALSE(relayed.error) << relayed.error.message();
  EXPECT_TRUE(relayed.done);
  EXPECT_EQ(relayed.used, wire.size());  // the next response stays on the connection
  EXPECT_EQ(relayed.head_sent, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"x\"\r\n\r\n");
  EXPECT_TRUE(relayed.body.empty());
  // A HEAD answer of a chunked resource says so, as the old relay did.
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  expect_relayed_like_beast(chunked, {.head = true});
  EXPECT_EQ(relay_with_parser(chunked, {.head = true}).head_sent,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
}

// A 204 or 304 that says chunked is still done at its header: nothing is re-framed for it.
TEST(RelayResponseParserTest, NoBodyStatusIsNotRechunkedWhateverItsEncoding) {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
                           "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    expect_relayed_like_beast(wire);
    const auto relayed = relay_with_parser(wire, {});
    EXPECT_TRUE(relayed.done) << wire;
    EXPECT_FALSE(relayed.chunked) << wire;
    EXPECT_EQ(relayed.head_sent.find("Transfer-Encoding"), std::string::npos) << wire;
  }
}

TEST(RelayResponseParserTest, StatusIsTheStartLines) {
  std::string head;
  RelayResponseParser parser(head);
  boost::system::error_code ec;
  const std::string wire = "HTTP/1.1 103 Early Hints\r\n\r\n";
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parser.status(), 103);
  EXPECT_TRUE(parser.is_done());
}

TEST(RelayResponseParserTest, ResponsesWithoutBodyAreDoneAtTheHeader) {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
                           "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: e\r\n\r\n",
                           "HTTP/1.1 100 Continue\r\n\r\n"}) {
    expect_relayed_like_beast_in_every_mode(wire);
    EXPECT_TRUE(relay_with_parser(wire, {}).done) << wire;
  }
}

TEST(RelayResponseParserTest, ObsFoldAndOddValuesAreWhatBeastStores) {
  expect_relayed_like_beast_in_every_mode(
      "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\n\tthird\r\nX-Empty:\r\n"
      "X-Spaces:   padded   \r\nX-Obs-Text: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n");
}

TEST(RelayResponseParserTest, BadFramingIsAnErrorAsInBeast) {
  for (const char* wire : {
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
           "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nabcdef",
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  // EOF mid-body
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
           "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",  // EOF in the header
           "",                                          // EOF before any byte
       }) {
    const auto relayed = relay_with_parser(wire, {});
    EXPECT_TRUE(relayed.error) << wire;
    expect_relayed_like_beast_in_every_mode(wire);
  }
  // Identical Content-Length lines are one length, in Beast and so here.
  expect_relayed_like_beast_in_every_mode(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok");
}

TEST(RelayResponseParserTest, HeaderLimitIsBeasts) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(300, 'v') + "\r\nContent-Length: 0\r\n\r\n";
  RelayOptions options{.header_limit = 128};
  EXPECT_EQ(relay_with_parser(wire, options).error, http::error::header_limit);
  expect_relayed_like_beast(wire, options);
}

// The head string is the connection's: each response clears it and keeps its capacity.
TEST(RelayResponseParserTest, HeadStringIsReusedAcrossResponses) {
  std::string head(4096, 'x');
  head = "leftover";
  const std::size_t capacity = head.capacity();
  for (const std::string wire : {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                 "HTTP/1.1 404 Not Found\r\nConnection: x\r\nX: 1\r\n\r\n"}) {
    RelayResponseParser parser(head);
    parser.skip(true);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(wire), ec);
    ASSERT_FALSE(ec) << ec.message();
    parser.finish_head(false, ClientConnection::kPersists);
    EXPECT_EQ(head.rfind("HTTP/1.1 ", 0), 0u) << head;
    EXPECT_EQ(head.find("leftover"), std::string::npos);
    EXPECT_EQ(head.find("X: 1"), std::string::npos);
    EXPECT_EQ(head.capacity(), capacity);
  }
}

// Trailer fields come through the same callback as header fields; they must not reach the
// client's header, which finish_head has already ended. The relay sends that string with the
// first body bytes, or, when there are none, once the message is done: after the trailer.
TEST(RelayResponseParserTest, TrailerFieldsDoNotReachTheClientsHeader) {
  for (const std::string body : {"0\r\nX-Checksum: 900150983cd24fb0\r\n\r\n",
                                 "3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\n\r\n"}) {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" + body;
    expect_relayed_like_beast(wire);
    const auto relayed = relay_with_parser(wire, {});
    EXPECT_TRUE(relayed.done);
    EXPECT_EQ(relayed.head_sent, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
}

// Beast's fields container inserted a repeated name after the last field of that name; the
// relay keeps the upstream's order, which RFC 9110 asks of a proxy for fields of one name.
TEST(RelayResponseParserTest, RepeatedFieldsKeepTheirArrivalOrder) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/plain\r\nset-cookie: b=2\r\n"
      "Vary: Accept\r\nSET-COOKIE: c=3\r\nContent-Length: 0\r\n\r\n";
  expect_relayed_like_beast(wire);
  EXPECT_EQ(relay_with_parser(wire, {}).head_sent,
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/plain\r\nset-cookie: b=2\r\n"
            "Vary: Accept\r\nSET-COOKIE: c=3\r\nContent-Length: 0\r\n\r\n");
}

// Beast's parser rejects a Connection value that is not a token list, so the relay never has to
// read one (is_hop_by_hop() joins the lines and stops at the first bad element; the parser reads
// them line by line).
TEST(RelayResponseParserTest, MalformedConnectionListIsAnError) {
  for (const char* wire : {"HTTP/1.1 200 OK\r\nConnection: x-a x-b\r\nConnection: X-Later\r\n"
                           "X-Later: 2\r\nContent-Length: 0\r\n\r\n",
                           "HTTP/1.1 200 OK\r\nConnection: ;\r\nX-Later: 2\r\n"
                           "Connection: x-later\r\nContent-Length: 0\r\n\r\n"}) {
    EXPECT_EQ(relay_with_parser(wire, {}).error, http::error::bad_value) << wire;
    expect_relayed_like_beast_in_every_mode(wire);
  }
}

}  // namespace
}  // namespace panguard::agent
