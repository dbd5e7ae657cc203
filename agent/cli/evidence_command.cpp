// `panguard evidence export|verify`: a tenant's audit records for a time range, signed by the
// node key and sealed to the tenant's box key; and the tenant's check of such a file
// (docs/cli.md, docs/alerts.md "Evidence export").
#include <chrono>
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "alerts/evidence/evidence_export.h"
#include "alerts/evidence/evidence_file.h"
#include "alerts/evidence/evidence_time.h"
#include "alerts/evidence/evidence_verify.h"
#include "alerts/evidence/new_file.h"
#include "rules/event_json.h"

namespace panguard::agent {

namespace po = boost::program_options;
namespace ev = alerts::evidence;

namespace {

constexpr std::string_view kUsage =
    "Usage: panguard evidence export --tenant T --from TIME --to TIME --recipient KEY --out FILE\n"
    "                                --audit-dir DIR --node-key FILE\n"
    "       panguard evidence verify FILE --secret-key FILE [--node-pubkey FILE] [--tenant T]\n"
    "                                [--print]\n";

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int evidence_export(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "evidence export",
      "panguard evidence export --tenant T --from TIME --to TIME --recipient KEY --out FILE "
      "--audit-dir DIR --node-key FILE",
      "Packs tenant T's audit records with time in [--from, --to] (both inclusive; RFC 3339 UTC\n"
      "or unix seconds) into FILE: signed with the node's Ed25519 key and sealed to the tenant's\n"
      "box key (tenant.box.pub from `panguard keygen --tenant-box`, or its text), so only the\n"
      "tenant can read it. The stream is verified first; a broken chain is not exported.\n"
      "FILE is created with mode 0600 and never overwritten.\n"
      "Exit 0 written, 1 refused (broken chain, no records, records out of time order),\n"
      "2 usage, 3 unreadable stream or key, or FILE cannot be written."};
  po::options_description options("Options");
  options.add_options()("tenant", po::value<std::string>()->value_name("T")->required(),
                        "tenant id (as in the alerts' tenant_id)")(
      "from", po::value<std::string>()->value_name("TIME")->required(),
      "first instant included (RFC 3339 UTC or unix seconds)")(
      "to", po::value<std::string>()->value_name("TIME")->required(),
      "last instant included (RFC 3339 UTC or unix seconds)")(
      "recipient", po::value<std::string>()->value_name("KEY")->required(),
      "tenant box public key: a tenant.box.pub file or its panguard-box-public:... text")(
      "out,o", po::value<std::string>()->value_name("FILE")->required(), "evidence file to create")(
      "audit-dir", po::value<std::string>()->value_name("DIR")->required(),
      "the audit_file sink's dir (holds one directory per tenant)")(
      "node-key", po::value<std::string>()->value_name("FILE")->required(),
      "the node's private key (node.key from panguard keygen)");
  const po::positional_options_description positional;
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;

  ev::ExportRequest request;
  request.audit_dir = (*vm)["audit-dir"].as<std::string>();
  request.tenant = (*vm)["tenant"].as<std::string>();
  const auto from = ev::parse_time_bound((*vm)["from"].as<std::string>());
  const auto to = ev::parse_time_bound((*vm)["to"].as<std::string>());
  if (!from || !to) {
    return usage_error(spec.name,
                       "--from and --to take RFC 3339 UTC (2026-11-29T10:00:00Z) or unix seconds");
  }
  request.from_ns = *from;
  request.to_ns = *to;
  request.now_ns = now_ns();

  auto recipient = ev::load_box_public_key((*vm)["recipient"].as<std::string>());
  if (auto* error = std::get_if<alerts::KeyError>(&recipient)) {
    std::cerr << "evidence export: " << error->message << "\n";
    return kExitRuntime;
  }
  request.recipient = std::get<ev::BoxPublicKey>(recipient);
  auto node_key = alerts::load_private_key_file((*vm)["node-key"].as<std::string>());
  if (auto* error = std::get_if<alerts::KeyError>(&node_key)) {
    std::cerr << "evidence export: " << error->message << "\n";
    return kExitRuntime;
  }
  request.node_key = &std::get<alerts::NodeKey>(node_key);

  ev::SelectedRecords selected;
  auto built = ev::build_evidence(request, &selected);
  if (auto* error = std::get_if<ev::ExportError>(&built)) {
    std::cerr << "evidence export: " << error->message << "\n";
    return error->runtime ? kExitRuntime : kExitFindings;
  }
  const std::string out = (*vm)["out"].as<std::string>();
  if (std::string error = ev::write_new_file(out, std::get<std::string>(built), 0600);
      !error.empty()) {
    std::cerr << "evidence export: " << error << "\n";
    return kExitRuntime;
  }
  std::cout << "evidence export: wrote " << out << ": " << selected.records.size()
            << " record(s) (seq " << selected.first_seq << ".."
            << selected.first_seq + selected.records.size() - 1 << " of " << selected.stream_records
            << ") of tenant '" << request.tenant << "' from "
            << rules::format_rfc3339_utc(request.from_ns) << " to "
            << rules::format_rfc3339_utc(request.to_ns) << ", signed by node key "
            << request.node_key->key_id() << ", sealed to tenant box key "
            << request.recipient.key_id() << std::endl;
  return kExitOk;
}

int evidence_verify(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "evidence verify",
      "panguard evidence verify FILE --secret-key FILE [--node-pubkey FILE] [--tenant T] [--print]",
      "Opens an evidence file with the tenant's box secret key and checks it: the node's\n"
      "signature (against --node-pubkey, else only against the key inside the file), the hash\n"
      "chain of the records from the declared link, the record count, and that every record is\n"
      "the tenant's and inside the declared time range. --print writes the records (audit lines)\n"
      "to stdout as JSON lines; the summary then goes to stderr.\n"
      "Exit 0 intact, 1 on any problem (wrong key, tampering, out-of-range record), 2 usage,\n"
      "3 unreadable file or key."};
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->value_name("FILE"), "evidence file")(
      "secret-key", po::value<std::string>()->value_name("FILE")->required(),
      "tenant box secret key (tenant.box.key)")(
      "node-pubkey", po::value<std::string>()->value_name("FILE"),
      "the node's public key (node.pub): who must have signed")(
      "tenant", po::value<std::string>()->value_name("T"), "the tenant the evidence must be for")(
      "print", po::bool_switch(), "write the records to stdout as JSON lines");
  po::positional_options_description positional;
  positional.add("file", 1);
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;
  if (!vm->count("file")) return usage_error(spec.name, "FILE is required");
  const std::string path = (*vm)["file"].as<std::string>();

  auto secret = ev::load_box_secret_key_file((*vm)["secret-key"].as<std::string>());
  if (auto* error = std::get_if<alerts::KeyError>(&secret)) {
    std::cerr << "evidence verify: " << error->message << "\n";
    return kExitRuntime;
  }
  std::optional<alerts::NodeKey> node_key;
  if (vm->count("node-pubkey")) {
    auto loaded = alerts::load_public_key_file((*vm)["node-pubkey"].as<std::string>());
    if (auto* error = std::get_if<alerts::KeyError>(&loaded)) {
      std::cerr << "evidence verify: " << error->message << "\n";
      return kExitRuntime;
    }
    node_key = std::get<alerts::NodeKey>(loaded);
  }
  std::string bytes;
  if (std::string error = ev::read_small_file(path, ev::kMaxEvidenceBytes + 4096, bytes);
      !error.empty()) {
    std::cerr << "evidence verify: " << error << "\n";
    return kExitRuntime;
  }

  ev::VerifyOptions verify_options;
  verify_options.node_key = node_key ? &*node_key : nullptr;
  if (vm->count("tenant")) verify_options.tenant = (*vm)["tenant"].as<std::string>();
  const ev::EvidenceReport report =
      ev::verify_evidence_file(bytes, std::get<ev::BoxSecretKey>(secret), verify_options);
  const bool print = (*vm)["print"].as<bool>();
  std::ostream& summary = print ? std::cerr : std::cout;
  if (report.problem) {
    summary << path << ": " << report.problem->to_string() << "\n"
            << "evidence verify: FAILED" << std::endl;
    return kExitFindings;
  }
  const ev::EvidenceDocument& doc = *report.document;
  if (print) {
    for (const std::string& record : doc.records) std::cout << record << "\n";
    std::cout.flush();
  }
  summary << "evidence verify: OK: " << doc.records.size() << " record(s) (seq " << doc.first_seq
          << ".." << report.last_seq << ": " << report.alerts << " alert(s), " << report.checkpoints
          << " checkpoint(s)) of tenant '" << doc.tenant << "' from "
          << rules::format_rfc3339_utc(doc.from_ns) << " to "
          << rules::format_rfc3339_utc(doc.to_ns) << ", created "
          << rules::format_rfc3339_utc(doc.created_ns) << "\n"
          << "evidence verify: chain from " << doc.prev_hash << " to " << report.last_hash << "\n";
  if (report.signed_by_given_key) {
    summary << "evidence verify: signed by node key " << doc.node_key_id << " (--node-pubkey)\n";
  } else {
    // Anyone can sign with a key of their own and embed it: only a known node key says who.
    std::cerr << "evidence verify: WARNING: the signature was checked only against the key "
                 "inside the file (node key "
              << doc.node_key_id
              << "); this proves nothing about who made it. Pass --node-pubkey node.pub.\n";
  }
  summary.flush();
  return kExitOk;
}

}  // namespace

int evidence_command(const std::vector<std::string>& args) {
  const std::vector<std::string> rest =
      args.empty() ? std::vector<std::string>()
                   : std::vector<std::string>(args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "export") return evidence_export(rest);
  if (!args.empty() && args[0] == "verify") return evidence_verify(rest);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage
              << "\nSubcommands:\n"
                 "  export    seal a tenant's audit records for a time range to the tenant\n"
                 "  verify    open and check an evidence file with the tenant's secret key\n";
    return kExitOk;
  }
  return usage_error("evidence", args.empty() ? "missing subcommand (expected: export, verify)"
                                              : "unknown subcommand '" + args[0] + "'");
}

}  // namespace panguard::agent
