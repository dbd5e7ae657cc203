// Internal to the pack loader: turns one top-level YAML item into a checked definition. Every
// check that needs only the item itself (keys, types, values, the override map) is made here;
// whether a name is new or already defined is the loader's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/pack_document.h"
#include "rules/pack_loader_yaml.h"

namespace panguard::rules::loader {

enum class ItemKind : uint8_t { kEngineVersion, kList, kMacro, kRule };
std::string_view item_kind_name(ItemKind kind);  // the identifying key, e.g. "rule"

enum class OverrideMode : uint8_t { kAppend, kReplace };

// A key the item sets, besides its name and `override`.
struct ItemKey {
  std::string name;
  SourcePos pos;
  OverrideMode mode = OverrideMode::kReplace;  // from the override map, when there is one
};

struct Item {
  std::optional<ItemKind> kind;  // nullopt when the item could not be identified
  bool valid = false;            // false: errors were reported and nothing may be applied
  bool has_override = false;
  std::string name;  // empty for required_engine_version
  SourcePos pos;
  std::vector<ItemKey> keys;  // in file order
  uint64_t engine_version = 0;
  ListDef list;    // kList: the keys set, plus name and pos
  MacroDef macro;  // kMacro: likewise
  RuleDef rule;    // kRule: likewise
};

Item decode_item(const YamlNode& node, std::vector<Diagnostic>& diagnostics);

}  // namespace panguard::rules::loader
