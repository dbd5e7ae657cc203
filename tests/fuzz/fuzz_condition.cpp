// libFuzzer target: the input is one condition. parse_condition must never crash; the compiler,
// given the same text as the condition of a one-rule pack (with a few lists and macros to
// reference), must agree that unparsable text is an error; compiled plans must evaluate safely.
// Each input is compiled once per source, since field/source checks depend on it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules/condition_parser.h"
#include "rules/diagnostic.h"
#include "rules/evaluator.h"
#include "rules/pack_document.h"
#include "rules/rule_pack.h"
#include "tests/fuzz/fuzz_events.h"

namespace {

using namespace panguard::rules;

const SourcePos kPos{"fuzz.yaml", 1, 1};

PackDocument base_document() {
  PackDocument doc;
  doc.lists.push_back(
      {"tenants", kPos, {LocatedText::at("acme", kPos), LocatedText::at("globex", kPos)}});
  doc.lists.push_back(
      {"ports", kPos, {LocatedText::at("8200", kPos), LocatedText::at("4222", kPos)}});
  doc.lists.push_back(
      {"nested", kPos, {LocatedText::at("tenants", kPos), LocatedText::at("initech", kPos)}});
  doc.macros.push_back(
      {"verified", kPos,
       LocatedText::at("tenant.id exists and tenant.source in (jwt, cgroup)", kPos)});
  doc.macros.push_back({"own_tenant", kPos, LocatedText::at("tenant.id in (tenants)", kPos)});
  doc.macros.push_back({"both", kPos, LocatedText::at("verified and own_tenant", kPos)});
  return doc;
}

RuleDef one_rule(Source source, const std::string& condition) {
  RuleDef rule;
  rule.name = "fuzz";
  rule.pos = kPos;
  rule.desc = "fuzz";
  rule.source = source;
  rule.condition = LocatedText::at(condition, kPos);
  rule.output = LocatedText::at("%tenant.id", kPos);
  return rule;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ParseError error;
  const bool parsed = parse_condition(text, error) != nullptr;
  if (!parsed && error.offset > text.size()) std::abort();

  static const PackDocument base = base_document();
  Verdict verdict;
  for (std::size_t s = 0; s < kSourceCount; ++s) {
    PackDocument doc = base;
    doc.rules.push_back(one_rule(static_cast<Source>(s), text));
    CompileResult result = compile_pack(doc);
    if (!parsed && result.pack) std::abort();  // the compiler accepted what the parser refused
    if (!result.pack) continue;
    for (const Event& event : panguard::fuzz::fixed_events())
      evaluate(event, *result.pack, verdict);
  }
  return 0;
}
