// Builds PackDocuments in code so compiler and evaluator tests do not depend on the YAML loader.
#pragma once

#include <string>
#include <vector>

#include "rules/evaluator.h"
#include "rules/event_json.h"
#include "rules/pack_document.h"
#include "rules/rule_pack.h"

namespace panguard::rules::testing {

class PackBuilder {
 public:
  PackBuilder& list(std::string name, std::vector<std::string> items) {
    ListDef def{std::move(name), {"test.yaml", 1, 1}, {}};
    for (auto& item : items)
      def.items.push_back(LocatedText::at(std::move(item), {"test.yaml", 1, 1}));
    document_.lists.push_back(std::move(def));
    return *this;
  }
  PackBuilder& macro(std::string name, std::string condition) {
    document_.macros.push_back({std::move(name),
                                {"test.yaml", 1, 1},
                                LocatedText::at(std::move(condition), {"test.yaml", 5, 3})});
    return *this;
  }
  RuleDef& rule(std::string name, Source source, std::string condition,
                std::string output = "%tenant.id") {
    RuleDef def;
    def.name = std::move(name);
    def.pos = {"test.yaml", 10, 3};
    def.desc = "test rule";
    def.source = source;
    def.condition = LocatedText::at(std::move(condition), {"test.yaml", 12, 14});
    def.output = LocatedText::at(std::move(output), {"test.yaml", 13, 11});
    document_.rules.push_back(std::move(def));
    return document_.rules.back();
  }
  CompileResult compile() const { return compile_pack(document_); }
  PackDocument& document() { return document_; }

 private:
  PackDocument document_;
};

inline Event event_from(std::string_view json) {
  auto parsed = parse_event_json(json);
  if (auto* error = std::get_if<EventParseError>(&parsed)) {
    throw std::runtime_error("bad test event: " + error->message);
  }
  return std::get<Event>(std::move(parsed));
}

inline std::vector<std::string> fired(const Event& event, const RulePack& pack) {
  Verdict verdict = evaluate(event, pack);
  std::vector<std::string> names;
  for (const auto* rule : verdict.matches) names.push_back(rule->name);
  for (const auto& request : verdict.counter_requests) names.push_back(request.rule->name);
  return names;
}

inline std::string first_error(const CompileResult& result) {
  for (const auto& d : result.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) return d.to_string();
  }
  return "";
}

}  // namespace panguard::rules::testing
