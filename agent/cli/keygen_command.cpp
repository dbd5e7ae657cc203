// `panguard keygen --out DIR`: the node's Ed25519 key pair, for audit checkpoints and evidence.
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "alerts/keys/node_key.h"

namespace panguard::agent {

namespace po = boost::program_options;

int keygen_command(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "keygen", "panguard keygen --out DIR",
      "Generates the node's Ed25519 key pair: DIR/node.key (PKCS#8 PEM, mode 0600) signs audit\n"
      "checkpoints; DIR/node.pub (SPKI PEM) is what `audit verify --pubkey` checks them with.\n"
      "Never overwrites an existing key."};
  po::options_description options("Options");
  options.add_options()("out,o", po::value<std::string>()->value_name("DIR")->required(),
                        "directory for node.key and node.pub (created if missing)");
  const po::positional_options_description positional;
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;

  auto key = alerts::generate_node_key();
  if (auto* error = std::get_if<alerts::KeyError>(&key)) {
    std::cerr << "keygen: " << error->message << "\n";
    return kExitRuntime;
  }
  const std::string dir = (*vm)["out"].as<std::string>();
  if (const std::string error = alerts::write_key_pair(std::get<alerts::NodeKey>(key), dir);
      !error.empty()) {
    std::cerr << "keygen: " << error << "\n";
    return kExitRuntime;
  }
  std::cout << "keygen: wrote " << dir << "/node.key and " << dir << "/node.pub (key id "
            << std::get<alerts::NodeKey>(key).key_id() << ")" << std::endl;
  return kExitOk;
}

}  // namespace panguard::agent
