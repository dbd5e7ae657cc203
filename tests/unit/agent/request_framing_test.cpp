#include "agent/vault_proxy/request_framing.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

TEST(RequestFramingTest, OneContentLengthOrOneTransferEncodingIsFine) {
  http::fields length;
  length.insert(http::field::content_length, "12");
  EXPECT_FALSE(framing_rejection(length));
  http::fields chunked;
  chunked.insert(http::field::transfer_encoding, "chunked");
  EXPECT_FALSE(framing_rejection(chunked));
  EXPECT_FALSE(framing_rejection(http::fields{}));
}

TEST(RequestFramingTest, RefusesAmbiguousShapes) {
  http::fields twice;
  twice.insert(http::field::content_length, "2");
  twice.insert(http::field::content_length, "2");
  EXPECT_EQ(framing_rejection(twice), "duplicate_content_length");

  http::fields listed;
  listed.insert(http::field::content_length, "2, 2");
  EXPECT_EQ(framing_rejection(listed), "duplicate_content_length");

  http::fields both;
  both.insert(http::field::transfer_encoding, "chunked");
  both.insert(http::field::content_length, "2");
  EXPECT_EQ(framing_rejection(both), "content_length_with_transfer_encoding");

  for (const char* coding : {"chunked, identity", "identity", "gzip, chunked", "chunked,"}) {
    http::fields encoded;
    encoded.insert(http::field::transfer_encoding, coding);
    EXPECT_EQ(framing_rejection(encoded), "unsupported_transfer_encoding") << coding;
  }
  http::fields upper;
  upper.insert(http::field::transfer_encoding, "Chunked");
  EXPECT_FALSE(framing_rejection(upper));
  http::fields two;
  two.insert(http::field::transfer_encoding, "chunked");
  two.insert(http::field::transfer_encoding, "chunked");
  EXPECT_EQ(framing_rejection(two), "duplicate_transfer_encoding");
}

}  // namespace
}  // namespace panguard::agent
