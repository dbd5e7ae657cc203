#include "agent/vault_proxy/buffered_parse.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

void fill(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  const auto space = buffer.prepare(bytes.size());
  boost::asio::buffer_copy(space, boost::asio::buffer(bytes));
  buffer.commit(bytes.size());
}

TEST(BufferedParseTest, EmptyBufferNeedsARead) {
  http::request_parser<http::string_body> parser;
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec = http::error::need_more;  // cleared
  EXPECT_FALSE(parse_buffered(parser, buffer, ec));
  EXPECT_FALSE(ec);
}

// What the proxy does after async_read_header: the body that came in the same read is parsed
// without another read, step by step as Beast's read_some would.
TEST(BufferedParseTest, BodyAlreadyBufferedIsParsedWithoutARead) {
  http::request_parser<http::string_body> parser;
  boost::beast::flat_buffer buffer;
  fill(buffer, "POST /v1/auth/k8s/login HTTP/1.1\r\nHost: v\r\nContent-Length: 7\r\n\r\n{\"a\"");
  boost::system::error_code ec;
  ASSERT_TRUE(parse_buffered(parser, buffer, ec));  // the header
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_header_done());
  ASSERT_TRUE(parse_buffered(parser, buffer, ec));  // the body's first four bytes
  EXPECT_FALSE(ec);
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_FALSE(parse_buffered(parser, buffer, ec)) << "the rest must be read";
  fill(buffer, ":1}GET ");  // the body's end, then the next request's first bytes
  ASSERT_TRUE(parse_buffered(parser, buffer, ec));
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "{\"a\":1}");
  EXPECT_EQ(buffer.size(), 4u) << "the next request stays in the buffer";
}

TEST(BufferedParseTest, PartialHeaderNeedsARead) {
  http::request_parser<http::string_body> parser;
  boost::beast::flat_buffer buffer;
  fill(buffer, "GET /v1/sys/health HTTP/1.1\r\nHost:");
  boost::system::error_code ec;
  EXPECT_FALSE(parse_buffered(parser, buffer, ec));
  EXPECT_FALSE(ec);
  EXPECT_FALSE(parser.is_header_done());
}

TEST(BufferedParseTest, BadBytesAreTheParsersError) {
  http::request_parser<http::string_body> parser;
  boost::beast::flat_buffer buffer;
  fill(buffer, "GET /v1/sys/health HTTP/1.1\r\nBad Name: x\r\n\r\n");
  boost::system::error_code ec;
  EXPECT_TRUE(parse_buffered(parser, buffer, ec));
  EXPECT_EQ(ec, http::error::bad_field);
}

}  // namespace
}  // namespace panguard::agent
