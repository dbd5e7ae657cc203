#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "agent/config/config_loader.h"
#include "agent/log/log.h"
#include "agent/packs/pack_loading.h"
#include "agent/replay/replayer.h"
#include "agent/store/memory_store.h"
#include "alerts/json_lines_sink.h"

namespace panguard::agent {

namespace po = boost::program_options;

namespace {

constexpr CommandSpec kSpec{
    "replay", "panguard replay --events FILE.jsonl [--rules PATH]... [--config FILE]",
    "Evaluates recorded events (one JSON object per line, docs/events.md) and prints the alerts\n"
    "as JSON lines on stdout, then a summary on stderr. Rules come from --rules, else the\n"
    "config's rules.paths, else the embedded default pack. Exit 1 if any event line is\n"
    "malformed (each is reported as FILE:LINE: message) or the rules are invalid."};

std::shared_ptr<const Config> load_config(const po::variables_map& vm, int& exit_code) {
  if (!vm.count("config")) return default_config();
  ConfigResult result = load_config_file(vm["config"].as<std::string>());
  if (auto* error = std::get_if<ConfigError>(&result)) {
    std::cerr << error->message << "\n";
    exit_code = error->io ? kExitRuntime : kExitFindings;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Config>>(result);
}

}  // namespace

int replay_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("events,e", po::value<std::string>()->value_name("FILE.jsonl")->required(),
                        "events to evaluate, one JSON object per line ('-' for stdin)")(
      "rules,r", po::value<std::vector<std::string>>()->value_name("PATH"),
      "rule file or directory (repeatable); overrides rules.paths")(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "config file: node_name, mode, alerts.format, rules.paths");
  int exit_code = 0;
  const auto vm = parse_command_line(kSpec, args, options, {}, exit_code);
  if (!vm) return exit_code;

  const auto config = load_config(*vm, exit_code);
  if (!config) return exit_code;
  log::set_level(config->log_level());

  const std::vector<std::string> rule_paths =
      vm->count("rules") ? (*vm)["rules"].as<std::vector<std::string>>() : config->rule_paths();
  const PackLoadResult loaded = load_rule_pack(rule_paths);
  for (const auto& diagnostic : loaded.diagnostics) std::cerr << diagnostic.to_string() << "\n";
  if (!loaded.ok()) return kExitFindings;

  const std::string events_path = (*vm)["events"].as<std::string>();
  std::ifstream file;
  if (events_path != "-") {
    file.open(events_path, std::ios::binary);
    if (!file) {
      std::cerr << events_path << ": cannot open events file\n";
      return kExitRuntime;
    }
  }
  std::istream& in = events_path == "-" ? std::cin : file;
  std::error_code size_error;
  const uint64_t size =
      events_path == "-" ? 0 : std::filesystem::file_size(events_path, size_error);

  PackHolder packs;
  packs.swap(loaded.snapshot);
  MemoryStore store;
  Metrics metrics;
  alerts::JsonLinesSink stdout_sink(config->alert_format());
  CountingSink sink(stdout_sink);
  Pipeline pipeline(PipelineOptions{config->node_name(), config->mode()}, packs, store, sink,
                    metrics);
  ProgressLine progress(std::cerr, ::isatty(STDERR_FILENO) == 1, size_error ? 0 : size);

  const ReplayCounts counts =
      replay_events(in, events_path, pipeline, metrics, std::cerr, progress);
  if (in.bad()) {
    std::cerr << events_path << ": read error\n";
    return kExitRuntime;
  }
  std::cerr << replay_summary(counts, sink) << "\n";
  if (sink.failures() > 0) return kExitRuntime;
  return counts.parse_errors > 0 ? kExitFindings : kExitOk;
}

}  // namespace panguard::agent
