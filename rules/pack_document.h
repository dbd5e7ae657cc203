// A rule pack as read from YAML, after later files have appended to or overridden earlier ones,
// before compilation. Produced by the pack loader, consumed by the compiler.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/priority.h"
#include "rules/source.h"

namespace panguard::rules {

// Text plus enough position data to map an offset inside it back to file:line:col.
// anchors: (offset in text, position of that offset in the source), sorted by offset. Block
// scalars and appended conditions have one anchor per source line.
struct LocatedText {
  std::string text;
  std::vector<std::pair<std::size_t, SourcePos>> anchors;

  SourcePos position_of(std::size_t offset) const;
  // Appends " " + other, keeping other's positions.
  void append(const LocatedText& other);
  static LocatedText at(std::string text, SourcePos pos);
};

enum class Action : uint8_t { kAlert, kDeny };

// What a limit answers when the shared counter store cannot: deny, allow, or a per-node bucket
// (the global rate divided by the expected node count). kDefault: the agent's configured mode.
enum class StoreFailureMode : uint8_t { kDefault, kClosed, kOpen, kLocal };
std::string_view store_failure_mode_name(StoreFailureMode mode);  // "closed", ..., "default"

struct ListDef {
  std::string name;
  SourcePos pos;
  std::vector<LocatedText> items;
};

struct MacroDef {
  std::string name;
  SourcePos pos;
  LocatedText condition;
};

// One element of an exception value tuple: a scalar, or a list (for comps like `in`).
struct ExceptionValue {
  bool is_list = false;
  std::vector<LocatedText> items;  // one item when !is_list
};

struct ExceptionDef {
  std::string name;
  SourcePos pos;
  std::vector<LocatedText> fields;  // field names
  std::vector<LocatedText> comps;   // one per field; "=" when omitted
  // Each value tuple has one entry per field. A single-field exception may list plain values,
  // each becoming a one-element tuple.
  std::vector<std::vector<ExceptionValue>> values;
};

struct LimitDef {
  SourcePos pos;
  std::vector<LocatedText> key;  // field names
  uint64_t rate_count = 0;       // rate_count events per period_ns...
  uint64_t period_ns = 0;
  uint64_t burst = 0;  // ...with this many allowed at once
  StoreFailureMode on_store_failure = StoreFailureMode::kDefault;
};

// Alert dedup: one alert per (tenant, rule, key values) inside the window, with a count.
struct DedupDef {
  SourcePos pos;
  std::vector<LocatedText> key;  // field names; may be empty (tenant + rule only)
  uint64_t window_ns = 0;
};

struct RuleDef {
  std::string name;
  SourcePos pos;
  std::string desc;
  Source source = Source::kVault;
  LocatedText condition;
  LocatedText output;
  Priority priority = Priority::kWarning;
  std::vector<std::string> tags;
  bool enabled = true;
  Action action = Action::kAlert;
  std::vector<ExceptionDef> exceptions;
  std::optional<LimitDef> limit;
  std::optional<DedupDef> dedup;
};

struct PackDocument {
  uint64_t required_engine_version = 0;
  std::vector<ListDef> lists;    // definition order
  std::vector<MacroDef> macros;  // definition order
  std::vector<RuleDef> rules;    // definition order = evaluation and output order
};

}  // namespace panguard::rules
