// `panguard keygen --out DIR`: the node's Ed25519 key pair, for audit checkpoints and evidence.
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "alerts/evidence/tenant_box_key.h"
#include "alerts/keys/node_key.h"

namespace panguard::agent {

namespace po = boost::program_options;

namespace {

// A tenant's X25519 key pair for evidence exports: the tenant keeps tenant.box.key and hands
// tenant.box.pub to the platform.
int tenant_box_keygen(const std::string& dir) {
  auto key = alerts::evidence::generate_box_key();
  if (auto* error = std::get_if<alerts::KeyError>(&key)) {
    std::cerr << "keygen: " << error->message << "\n";
    return kExitRuntime;
  }
  const auto& secret = std::get<alerts::evidence::BoxSecretKey>(key);
  if (const std::string error = alerts::evidence::write_box_key_pair(secret, dir); !error.empty()) {
    std::cerr << "keygen: " << error << "\n";
    return kExitRuntime;
  }
  std::cout << "keygen: wrote " << dir << "/" << alerts::evidence::kBoxSecretKeyName << " and "
            << dir << "/" << alerts::evidence::kBoxPublicKeyName << " (tenant box key id "
            << secret.public_key().key_id() << ")" << std::endl;
  return kExitOk;
}

}  // namespace

int keygen_command(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "keygen", "panguard keygen [--tenant-box] --out DIR",
      "Generates the node's Ed25519 key pair: DIR/node.key (PKCS#8 PEM, mode 0600) signs audit\n"
      "checkpoints and evidence; DIR/node.pub (SPKI PEM) is what `audit verify --pubkey` and\n"
      "`evidence verify --node-pubkey` check them with.\n"
      "With --tenant-box: a tenant's X25519 key pair for evidence instead, DIR/tenant.box.key\n"
      "(mode 0600, kept by the tenant) and DIR/tenant.box.pub (for `evidence export\n"
      "--recipient`). Never overwrites an existing key."};
  po::options_description options("Options");
  options.add_options()("out,o", po::value<std::string>()->value_name("DIR")->required(),
                        "directory for the key pair (created if missing)")(
      "tenant-box", po::bool_switch(), "generate a tenant's evidence key pair (X25519)");
  const po::positional_options_description positional;
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;

  const std::string dir = (*vm)["out"].as<std::string>();
  if ((*vm)["tenant-box"].as<bool>()) return tenant_box_keygen(dir);

  auto key = alerts::generate_node_key();
  if (auto* error = std::get_if<alerts::KeyError>(&key)) {
    std::cerr << "keygen: " << error->message << "\n";
    return kExitRuntime;
  }
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
