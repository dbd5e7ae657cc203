#include <algorithm>
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "rules/field_registry.h"

namespace panguard::agent {

namespace {

std::string sources_text(rules::SourceMask mask) {
  if (mask == rules::kAnySource) return "any";
  std::string out;
  for (std::size_t i = 0; i < rules::kSourceCount; ++i) {
    const auto source = static_cast<rules::Source>(i);
    if (mask & rules::source_bit(source)) {
      out += (out.empty() ? "" : ",") + std::string(rules::source_name(source));
    }
  }
  return out;
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  out.resize(std::max(width, text.size()), ' ');
  return out;
}

}  // namespace

int fields_command(const std::vector<std::string>& args) {
  const CommandSpec spec{"fields", "panguard fields",
                         "Lists every event field rules can use: name, type, the sources that "
                         "carry it,\nand what it means."};
  boost::program_options::options_description options("Options");
  int exit_code = 0;
  if (!parse_command_line(spec, args, options, {}, exit_code)) return exit_code;

  std::size_t name_width = 5;
  std::size_t sources_width = 7;
  for (const auto& field : rules::all_fields()) {
    name_width = std::max(name_width, field.name.size());
    sources_width = std::max(sources_width, sources_text(field.sources).size());
  }
  std::cout << pad("FIELD", name_width + 2) << pad("TYPE", 8) << pad("SOURCES", sources_width + 2)
            << "DESCRIPTION\n";
  for (const auto& field : rules::all_fields()) {
    std::cout << pad(field.name, name_width + 2) << pad(rules::field_type_name(field.type), 8)
              << pad(sources_text(field.sources), sources_width + 2) << field.description << "\n";
  }
  return kExitOk;
}

}  // namespace panguard::agent
