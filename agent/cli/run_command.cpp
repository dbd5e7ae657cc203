#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/startup/run.h"

namespace panguard::agent {

namespace po = boost::program_options;

int run_command(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "run", "panguard run [--config FILE]",
      "Runs the agent: loads the config and rule pack, serves the admin API (/metrics, /healthz,\n"
      "/readyz), writes alerts as JSON lines to stdout. SIGHUP reloads the rules; SIGTERM or\n"
      "SIGINT drains and exits 0. Without --config: embedded defaults (loopback admin on\n"
      "127.0.0.1:9464, the embedded default pack, stdout alerts)."};
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->value_name("FILE"),
                        "YAML config file (docs/configuration.md)");
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, {}, exit_code);
  if (!vm) return exit_code;

  RunOptions run_options;
  if (vm->count("config")) run_options.config_path = (*vm)["config"].as<std::string>();
  return run_daemon(std::move(run_options));
}

}  // namespace panguard::agent
