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

// The proxy drops what Connection names: naming a field the request carries end to end would
// forward a different request from the one judged.
TEST(RequestFramingTest, RefusesConnectionNamingAnEndToEndFieldItCarries) {
  for (const char* named : {"X-Vault-Namespace", "x-vault-namespace", "Host", "X-Vault-Token"}) {
    http::fields fields;
    fields.insert(http::field::host, "vault");
    fields.insert("X-Vault-Namespace", "tenants/acme");
    fields.insert("X-Vault-Token", "hvs.x");
    fields.insert(http::field::connection, std::string("keep-alive, ") + named);
    EXPECT_EQ(framing_rejection(fields), "connection_names_end_to_end_field") << named;
  }
  // On a second Connection line too.
  http::fields second;
  second.insert(http::field::connection, "keep-alive");
  second.insert("X-Vault-Namespace", "tenants/acme");
  second.insert(http::field::connection, "X-Vault-Namespace");
  EXPECT_EQ(framing_rejection(second), "connection_names_end_to_end_field");

  // The usual options, hop-by-hop fields, and names of fields the request does not carry change
  // nothing upstream.
  for (const char* tokens : {"close", "keep-alive", "Keep-Alive, TE", "upgrade", "x-not-sent",
                             "Close, Proxy-Connection"}) {
    http::fields fields;
    fields.insert(http::field::host, "vault");
    fields.insert(http::field::te, "trailers");
    fields.insert(http::field::connection, tokens);
    EXPECT_FALSE(framing_rejection(fields)) << tokens;
  }
}

http::request_header<> head_expecting(std::initializer_list<const char*> values,
                                      unsigned version = 11) {
  http::request_header<> head;
  head.version(version);
  for (const char* value : values) head.insert(http::field::expect, value);
  return head;
}

TEST(BodyExpectationTest, OnlyOneExactHundredContinueIsAnsweredWithContinue) {
  EXPECT_EQ(body_expectation(head_expecting({})), Expectation::kNone);
  EXPECT_EQ(body_expectation(head_expecting({"100-continue"})), Expectation::kContinue);
  EXPECT_EQ(body_expectation(head_expecting({"100-Continue"})), Expectation::kContinue);
  for (const char* other : {"", "200-ok", "100-continue, x", "100-continuex", "100-continue;a=b"}) {
    EXPECT_EQ(body_expectation(head_expecting({other})), Expectation::kUnsupported) << other;
  }
  EXPECT_EQ(body_expectation(head_expecting({"100-continue", "100-continue"})),
            Expectation::kUnsupported);
}

// RFC 9110 §10.1.1: an HTTP/1.0 client cannot read a 1xx answer, so its expectation is ignored.
TEST(BodyExpectationTest, Http10ExpectationsAreIgnored) {
  EXPECT_EQ(body_expectation(head_expecting({"100-continue"}, 10)), Expectation::kNone);
  EXPECT_EQ(body_expectation(head_expecting({"200-ok"}, 10)), Expectation::kNone);
}

}  // namespace
}  // namespace panguard::agent
