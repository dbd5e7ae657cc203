#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "rules/condition_plan.h"
#include "tests/unit/rules/test_pack_builder.h"

namespace panguard::rules {
namespace {

using testing::first_error;
using testing::PackBuilder;

// A pack mixing indexed (`field = literal`, `field in (...)`) and unindexed rules over several
// sources, plus a stream of events from many tenants that hit them in different ways.
std::shared_ptr<const RulePack> mixed_pack() {
  PackBuilder builder;
  // Shared macros are memoized per evaluation; `not verified` must see the same cached value.
  builder.macro("verified", "tenant.id exists and tenant.source in (jwt, cgroup)");
  builder.macro("foreign_path", "vault.path_tenant != tenant.id");
  builder.rule("unverified", Source::kVault, "not verified");
  builder.rule("verified foreign", Source::kVault, "verified and foreign_path");
  builder.rule("unverified foreign", Source::kVault, "foreign_path and not verified");
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    builder.rule("op" + n, Source::kVault,
                 "vault.operation = op" + n + " and vault.path_tenant != tenant.id");
    builder.rule("path" + n, Source::kVault,
                 "vault.path pmatch (secret/t" + n + ") and tenant.id in (t1, t2, t" + n + ")");
    builder.rule("subject" + n, Source::kNats,
                 "nats.subject glob \"tenants.t" + n + ".*\" and nats.subject_tenant != tenant.id");
  }
  builder.rule("any vault", Source::kVault, "not tenant.id exists or tenant.source = none");
  auto result = builder.compile();
  if (!result.pack) throw std::runtime_error(first_error(result));
  return result.pack;
}

std::vector<Event> mixed_events(std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return std::to_string(rng() % static_cast<unsigned>(n)); };
  std::vector<Event> events;
  for (std::size_t i = 0; i < count; ++i) {
    if (rng() % 3 == 0) {
      Event e(Source::kNats);
      e.set(FieldId::kTenantId, "t" + pick(50));
      e.set(FieldId::kNatsSubject, "tenants.t" + pick(50) + ".orders");
      e.set(FieldId::kNatsSubjectTenant, "t" + pick(50));
      events.push_back(std::move(e));
      continue;
    }
    Event e(Source::kVault);
    if (rng() % 10) e.set(FieldId::kTenantId, "t" + pick(50));
    e.set(FieldId::kTenantSource, rng() % 20 ? "jwt" : "none");
    e.set(FieldId::kVaultOperation, "op" + pick(45));
    e.set(FieldId::kVaultPath, "secret/t" + pick(50) + (rng() % 2 ? "/db" : "-evil"));
    e.set(FieldId::kVaultPathTenant, "t" + pick(50));
    if (rng() % 7 == 0) e.clear(FieldId::kVaultPathTenant);
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<std::string> names(const Verdict& verdict) {
  std::vector<std::string> out;
  for (const auto* rule : verdict.matches) out.push_back(rule->name);
  return out;
}

TEST(Evaluator, IndexGivesTheSameVerdictsAsCheckingEveryRule) {
  auto pack = mixed_pack();
  std::size_t matched = 0;
  for (const Event& event : mixed_events(3000, 7)) {
    std::vector<std::string> brute;
    for (const CompiledRule& rule : pack->rules()) {
      if (rule.source == event.source() && rule.condition->matches(event))
        brute.push_back(rule.name);
    }
    EXPECT_EQ(names(evaluate(event, *pack)), brute);
    matched += brute.size();
  }
  EXPECT_GT(matched, 500u);  // the stream must actually exercise the rules
}

TEST(Evaluator, IndexesRulesByDiscriminatingField) {
  auto pack = mixed_pack();
  const SourceIndex& vault = pack->index(Source::kVault);
  ASSERT_FALSE(vault.keyed.empty());
  EXPECT_EQ(vault.keyed.front().field, FieldId::kVaultOperation);
  // "path*" rules key on tenant.id (their only equality conjunct); "any vault" and the three
  // macro rules have none.
  EXPECT_EQ(vault.unkeyed.size(), 4u);
}

TEST(Evaluator, ConcurrentEvaluationMatchesSingleThreadedRun) {
  auto pack = mixed_pack();
  const auto events = mixed_events(4000, 11);
  std::vector<std::vector<std::string>> expected;
  for (const Event& event : events) expected.push_back(names(evaluate(event, *pack)));

  constexpr int kThreads = 4;
  std::vector<std::vector<std::vector<std::string>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Verdict verdict;  // reused: evaluation must not leak state from one event to the next
      // Each thread walks the interleaved stream from a different starting point.
      for (std::size_t k = 0; k < events.size(); ++k) {
        const std::size_t i = (k + static_cast<std::size_t>(t) * 997) % events.size();
        evaluate(events[i], *pack, verdict);
        got[t].resize(events.size());
        got[t][i] = names(verdict);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], expected) << "thread " << t;
}

TEST(Evaluator, DenyOnlyFromDenyRules) {
  PackBuilder builder;
  builder.rule("alert", Source::kVault, "vault.path exists");
  builder.rule("deny", Source::kVault, "vault.path = x").action = Action::kDeny;
  auto result = builder.compile();
  ASSERT_TRUE(result.pack);
  Event event(Source::kVault);
  event.set(FieldId::kVaultPath, "y");
  EXPECT_FALSE(evaluate(event, *result.pack).denied());
  event.set(FieldId::kVaultPath, "x");
  EXPECT_TRUE(evaluate(event, *result.pack).denied());
}

TEST(Glob, PatternsTooLongForTheMatcherAreRefusedAtLoad) {
  PackBuilder builder;
  builder.rule("r", Source::kVault, "vault.path glob \"" + std::string(64, 'a') + "\"");
  EXPECT_THAT(first_error(builder.compile()), ::testing::HasSubstr("glob pattern longer than 63"));
  PackBuilder fits;
  fits.rule("r", Source::kVault, "vault.path glob \"" + std::string(63, 'a') + "\"");
  EXPECT_TRUE(fits.compile().pack);
}

TEST(Glob, LinearOnHostileInput) {
  const std::string pattern = "**a**a**a**a**a**a**b";
  const std::string text(20000, 'a');
  EXPECT_FALSE(glob_match(pattern, text));
  EXPECT_TRUE(glob_match("a*", "abc"));
  EXPECT_FALSE(glob_match("a*", "ab/c"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "x"));
}

}  // namespace
}  // namespace panguard::rules
