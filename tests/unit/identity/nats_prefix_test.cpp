// The strict NATS protocol-prefix parser behind nats.* sensor events, and token-wise subject
// ownership. (With the identity tests: one executable for the sensor's user-space half.)
#include "agent/sources/bpf/nats_prefix.h"

#include <gtest/gtest.h>

namespace panguard::agent::sensor {
namespace {

TEST(NatsPrefix, PubHpubSub) {
  auto r = parse_nats_prefix("PUB tenants.globex.x 5\r\nhello\r\n");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.commands[0].op, "PUB");
  EXPECT_EQ(r.commands[0].subject, "tenants.globex.x");

  r = parse_nats_prefix("HPUB tenants.a.b _INBOX.x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].op, "HPUB");
  EXPECT_TRUE(r.complete);

  r = parse_nats_prefix("sub tenants.initech.> workers 7\r\n");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].op, "SUB");
  EXPECT_EQ(r.commands[0].subject, "tenants.initech.>");
}

TEST(NatsPrefix, SeesCommandsAfterPingAndAfterAPayload) {
  // A foreign publish hidden behind a PING and an own publish whose body mentions PUB.
  const auto r = parse_nats_prefix(
      "PING\r\nPUB tenants.globex.x 11\r\nPUB fake 1\r\r\nPUB\ttenants.initech.y  2\r\nhi\r\n");
  ASSERT_EQ(r.commands.size(), 2u);
  EXPECT_EQ(r.commands[0].subject, "tenants.globex.x");
  EXPECT_EQ(r.commands[1].subject, "tenants.initech.y");
  EXPECT_TRUE(r.complete);
}

TEST(NatsPrefix, CutOffCaptureKeepsWhatWasWhole) {
  auto r = parse_nats_prefix("PUB tenants.a.b 100\r\nshort");
  ASSERT_EQ(r.commands.size(), 1u);  // the command line itself was whole
  EXPECT_FALSE(r.complete);
  r = parse_nats_prefix("PUB tenants.a.b 1");
  EXPECT_TRUE(r.commands.empty());
  EXPECT_FALSE(r.complete);
}

TEST(NatsPrefix, RejectsMalformedLines) {
  for (const char* text : {
           "PUB tenants.a.* 1\r\nx\r\n",  // wildcard in a publish
           "PUB tenants..b 1\r\nx\r\n",   // empty token
           "PUB .a 1\r\nx\r\n",           // empty token
           "PUB a. 1\r\nx\r\n",           // empty token
           "PUB a.b\r\n",                 // no size
           "PUB a.b -1\r\nx\r\n",         // not a size
           "PUB a.b 1x\r\nx\r\n",         // not a size
           "PUB a.b r1 r2 1\r\nx\r\n",    // too many arguments
           "PUB a.b 1\r\nxy\r\n",         // body longer than declared
           "HPUB a.b 5 3\r\nabc\r\n",     // headers larger than the message
           "SUB a.>.b 1\r\n",             // '>' not last
           "SUB a.b*c 1\r\n",             // wildcard inside a token
           "SUB a.b\r\n",                 // no sid
           "FOO a.b 1\r\n",               // unknown verb
           "\r\n",                        // empty line
       }) {
    const auto r = parse_nats_prefix(text);
    EXPECT_TRUE(r.commands.empty()) << text;
    EXPECT_FALSE(r.complete) << text;
  }
  // A malformed line stops the parse: nothing after it is guessed.
  const auto r = parse_nats_prefix("SUB a.b 1\r\nJUNK\r\nPUB tenants.x.y 0\r\n\r\n");
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_FALSE(r.complete);
}

TEST(NatsPrefix, SubjectTenantIsTokenWise) {
  EXPECT_EQ(subject_tenant("tenants.acme.orders"), "acme");
  EXPECT_EQ(subject_tenant("tenants.acme-evil.orders"), "acme-evil");
  EXPECT_EQ(subject_tenant("tenants.acme.>"), "acme");
  EXPECT_EQ(subject_tenant("tenants.acme"), "");
  EXPECT_EQ(subject_tenant("tenants.acme."), "");
  EXPECT_EQ(subject_tenant("tenants.*.orders"), "");
  EXPECT_EQ(subject_tenant("tenants.>"), "");
  EXPECT_EQ(subject_tenant("tenantsx.acme.orders"), "");
  EXPECT_EQ(subject_tenant("other.acme.orders"), "");
  EXPECT_EQ(subject_tenant("orders"), "");
}

}  // namespace
}  // namespace panguard::agent::sensor
