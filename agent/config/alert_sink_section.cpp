#include "agent/config/alert_sink_section.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "agent/config/yaml_fields.h"

namespace panguard::agent::config_detail {
namespace {

void parse_audit_sink(std::map<std::string, KeyHandler>& handlers, alerts::AuditFileOptions& audit,
                      std::string_view base_dir, YAML::Mark& interval_mark) {
  handlers["dir"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    audit.dir = config_file_path(n, p, base_dir);
  };
  handlers["fsync"] = [&](const YAML::Node& n, const std::string& p) {
    audit.fsync = as_choice<alerts::FsyncPolicy>(n, p,
                                                 {{"always", alerts::FsyncPolicy::kAlways},
                                                  {"interval", alerts::FsyncPolicy::kInterval},
                                                  {"never", alerts::FsyncPolicy::kNever}});
  };
  handlers["fsync_interval_ms"] = [&](const YAML::Node& n, const std::string& p) {
    audit.fsync_interval_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
  };
  handlers["rotate_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    audit.rotate_bytes = size_in_range(n, p, 4096, std::size_t{1} << 40);
  };
  handlers["checkpoint_interval_s"] = [&](const YAML::Node& n, const std::string& p) {
    interval_mark = n.Mark();
    audit.checkpoint_interval_s = static_cast<int64_t>(size_in_range(n, p, 0, 86'400));
  };
  handlers["node_key_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    audit.node_key_file = config_file_path(n, p, base_dir);
  };
  handlers["queue_records"] = [&](const YAML::Node& n, const std::string& p) {
    audit.queue_records = size_in_range(n, p, 1, 10'000'000);
  };
}

void parse_webhook_sink(std::map<std::string, KeyHandler>& handlers, WebhookSinkSettings& hook,
                        std::string_view base_dir) {
  handlers["url"] = [&](const YAML::Node& n, const std::string& p) {
    hook.url = non_empty_string(n, p);
  };
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["secret_files"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.secret_files = file_paths(n, p, base_dir);
    if (hook.secret_files.empty()) throw Invalid(n.Mark(), p, "must name at least one file");
  };
  handlers["spool_dir"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.spool_dir = config_file_path(n, p, base_dir);
  };
  handlers["spool_max_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    hook.spool_max_bytes = size_in_range(n, p, 4096, std::size_t{1} << 40);
  };
  handlers["timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    hook.timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 600'000));
  };
  handlers["max_in_flight"] = [&](const YAML::Node& n, const std::string& p) {
    hook.max_in_flight = size_in_range(n, p, 1, 256);
  };
  handlers["max_batch"] = [&](const YAML::Node& n, const std::string& p) {
    hook.max_batch = size_in_range(n, p, 1, 100'000);
  };
  handlers["dead_letter_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.dead_letter_file = config_file_path(n, p, base_dir);
  };
}

// A secret given inline instead of as a file: refused with the key to use instead, so the
// error says why rather than only "unknown key".
void refuse_inline_secret(std::map<std::string, KeyHandler>& handlers, const std::string& key,
                          const std::string& file_key) {
  handlers[key] = [file_key](const YAML::Node& n, const std::string& p) {
    throw Invalid(n.Mark(), p,
                  "secrets never sit in the config: put it in a file and name it in " + file_key);
  };
}

// "scheme://host[:port]..." with one of `schemes` and a non-empty host: the config error points
// at the key; the sink's own constructor re-checks everything else at start.
void check_url(const YAML::Node& node, const std::string& path, const std::string& url,
               std::initializer_list<std::string_view> schemes) {
  std::string expected;
  for (const std::string_view scheme : schemes) {
    const std::string prefix = std::string(scheme) + "://";
    if (url.starts_with(prefix)) {
      const std::string rest = url.substr(prefix.size());
      if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
        throw Invalid(node.Mark(), path, "missing host in " + url);
      }
      return;
    }
    expected += expected.empty() ? prefix : " or " + prefix;
  }
  throw Invalid(node.Mark(), path, "expected a URL starting with " + expected);
}

// Where each nats sink key sat, for the cross-key checks after the walk.
struct NatsMarks {
  YAML::Mark ca_file = YAML::Mark::null_mark();
  YAML::Mark backoff = YAML::Mark::null_mark();
  std::vector<YAML::Mark> auth;  // one per authentication key given
};

void parse_nats_sink(std::map<std::string, KeyHandler>& handlers, SinkSettings& sink,
                     std::string_view base_dir, NatsMarks& marks) {
  NatsSinkSettings& nats = sink.nats;
  handlers["servers"] = [&](const YAML::Node& n, const std::string& p) {
    nats.servers = string_list(n, p);
    if (nats.servers.empty()) throw Invalid(n.Mark(), p, "must name at least one server");
    for (std::size_t i = 0; i < nats.servers.size(); ++i) {
      const std::string item = p + "[" + std::to_string(i) + "]";
      check_url(n[i], item, nats.servers[i], {"nats", "tls"});
      // nats.c splits a server string on commas: one URL per item, no blanks.
      if (nats.servers[i].find_first_of(" \t\r\n,") != std::string::npos) {
        throw Invalid(n[i].Mark(), item, "one URL per item, without spaces or commas");
      }
    }
  };
  handlers["credentials_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.credentials_file = config_file_path(n, p, base_dir);
  };
  handlers["user"] = [&](const YAML::Node& n, const std::string& p) {
    nats.user = non_empty_string(n, p);
  };
  handlers["password_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.password_file = config_file_path(n, p, base_dir);
  };
  handlers["token_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.token_file = config_file_path(n, p, base_dir);
  };
  refuse_inline_secret(handlers, "password", "password_file");
  refuse_inline_secret(handlers, "token", "token_file");
  refuse_inline_secret(handlers, "credentials", "credentials_file");
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.ca_file = n.Mark();
    nats.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["stream"] = [&](const YAML::Node& n, const std::string& p) {
    nats.stream = non_empty_string(n, p);
    // JetStream stream names are one subject token: no separators, wildcards or blanks.
    for (const char c : nats.stream) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      if (!ok || nats.stream.size() > 64) {
        throw Invalid(n.Mark(), p, "expected a stream name (letters, digits, - _; at most 64)");
      }
    }
  };
  handlers["create_stream"] = [&](const YAML::Node& n, const std::string& p) {
    nats.create_stream = as_bool(n, p);
  };
  handlers["duplicate_window_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.duplicate_window_ms = millis_in_range(n, p, 1'000, 86'400'000);
  };
  handlers["queue_size"] = [&](const YAML::Node& n, const std::string& p) {
    nats.queue_size = size_in_range(n, p, 1, 10'000'000);
  };
  handlers["max_in_flight"] = [&](const YAML::Node& n, const std::string& p) {
    nats.max_in_flight = size_in_range(n, p, 1, 1'000'000);
  };
  handlers["ack_timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.ack_timeout_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["reconnect_buffer_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    nats.reconnect_buffer_bytes = size_in_range(n, p, 0, std::size_t{1} << 30);
  };
  handlers["reconnect_wait_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.reconnect_wait_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["backoff_min_ms"] = [&](const YAML::Node& n, const std::string& p) {
    marks.backoff = n.Mark();
    nats.backoff_min_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["backoff_max_ms"] = [&](const YAML::Node& n, const std::string& p) {
    marks.backoff = n.Mark();
    nats.backoff_max_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["format"] = [&](const YAML::Node& n, const std::string& p) {
    sink.format = alert_format(n, p);
  };
}

void finish_nats_sink(const YAML::Node& node, const std::string& path, const NatsSinkSettings& nats,
                      const NatsMarks& marks) {
  if (nats.servers.empty()) throw Invalid(node.Mark(), path + ".servers", "required");
  const bool has_password = !nats.password_file.empty();
  if (!nats.user.empty() && !has_password) {
    throw Invalid(node.Mark(), path + ".password_file", "required with user");
  }
  if (has_password && nats.user.empty()) {
    throw Invalid(node.Mark(), path + ".user", "required with password_file");
  }
  if (marks.auth.size() > 1) {
    throw Invalid(marks.auth[1], path,
                  "at most one authentication method: credentials_file, user + password_file, "
                  "or token_file");
  }
  if (!nats.ca_file.empty()) {
    const bool any_tls =
        std::any_of(nats.servers.begin(), nats.servers.end(),
                    [](const std::string& url) { return url.starts_with("tls://"); });
    if (!any_tls) throw Invalid(marks.ca_file, path + ".ca_file", "set only with tls:// servers");
  }
  if (nats.backoff_min_ms > nats.backoff_max_ms) {
    throw Invalid(marks.backoff, path + ".backoff_min_ms", "must not exceed backoff_max_ms");
  }
}

void parse_alertmanager_sink(std::map<std::string, KeyHandler>& handlers,
                             AlertmanagerSinkSettings& am, std::string_view base_dir,
                             YAML::Mark& ca_mark, YAML::Mark& backoff_mark) {
  handlers["url"] = [&](const YAML::Node& n, const std::string& p) {
    am.url = non_empty_string(n, p);
    check_url(n, p, am.url, {"http", "https"});
  };
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    ca_mark = n.Mark();
    am.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["resolve_timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.resolve_timeout_ms = millis_in_range(n, p, 1'000, 30LL * 86'400'000);
  };
  handlers["max_batch"] = [&](const YAML::Node& n, const std::string& p) {
    am.max_batch = size_in_range(n, p, 1, 10'000);
  };
  handlers["batch_linger_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.batch_linger_ms = millis_in_range(n, p, 0, 60'000);
  };
  handlers["queue_size"] = [&](const YAML::Node& n, const std::string& p) {
    am.queue_size = size_in_range(n, p, 1, 10'000'000);
  };
  handlers["timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.timeout_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["backoff_min_ms"] = [&](const YAML::Node& n, const std::string& p) {
    backoff_mark = n.Mark();
    am.backoff_min_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["backoff_max_ms"] = [&](const YAML::Node& n, const std::string& p) {
    backoff_mark = n.Mark();
    am.backoff_max_ms = millis_in_range(n, p, 1, 3'600'000);
  };
}

}  // namespace

alerts::AlertFormat alert_format(const YAML::Node& node, const std::string& path) {
  return as_choice<alerts::AlertFormat>(
      node, path,
      {{"panguard", alerts::AlertFormat::kPanguard}, {"falco", alerts::AlertFormat::kFalco}});
}

// alerts.routes[i].sink: `type` picks which other keys are allowed.
void parse_sink(const YAML::Node& node, const std::string& path, SinkSettings& sink,
                std::string_view base_dir) {
  if (!node.IsMap()) throw Invalid(node.Mark(), path, "expected a mapping");
  const YAML::Node type = node["type"];
  if (!type) {
    throw Invalid(node.Mark(), path + ".type",
                  "required (stdout | audit_file | webhook | nats | alertmanager)");
  }
  sink.type = as_choice<SinkType>(type, path + ".type",
                                  {{"stdout", SinkType::kStdout},
                                   {"audit_file", SinkType::kAuditFile},
                                   {"webhook", SinkType::kWebhook},
                                   {"nats", SinkType::kNats},
                                   {"alertmanager", SinkType::kAlertmanager}});
  std::map<std::string, KeyHandler> handlers{
      {"type", [](const YAML::Node&, const std::string&) {}}};
  YAML::Mark interval_mark = YAML::Mark::null_mark();
  NatsMarks nats_marks;
  YAML::Mark ca_mark = YAML::Mark::null_mark();
  YAML::Mark backoff_mark = YAML::Mark::null_mark();
  switch (sink.type) {
    case SinkType::kStdout:
      handlers["format"] = [&](const YAML::Node& n, const std::string& p) {
        sink.format = alert_format(n, p);
      };
      break;
    case SinkType::kAuditFile:
      parse_audit_sink(handlers, sink.audit, base_dir, interval_mark);
      break;
    case SinkType::kWebhook:
      parse_webhook_sink(handlers, sink.webhook, base_dir);
      break;
    case SinkType::kNats:
      parse_nats_sink(handlers, sink, base_dir, nats_marks);
      break;
    case SinkType::kAlertmanager:
      parse_alertmanager_sink(handlers, sink.alertmanager, base_dir, ca_mark, backoff_mark);
      break;
  }
  walk_map(node, path, handlers);
  if (sink.type == SinkType::kNats) finish_nats_sink(node, path, sink.nats, nats_marks);
  if (sink.type == SinkType::kAlertmanager) {
    const AlertmanagerSinkSettings& am = sink.alertmanager;
    if (am.url.empty()) throw Invalid(node.Mark(), path + ".url", "required");
    if (!am.ca_file.empty() && !am.url.starts_with("https://")) {
      throw Invalid(ca_mark, path + ".ca_file", "set only with an https:// url");
    }
    if (am.backoff_min_ms > am.backoff_max_ms) {
      throw Invalid(backoff_mark, path + ".backoff_min_ms", "must not exceed backoff_max_ms");
    }
  }
  if (sink.type == SinkType::kAuditFile) {
    if (sink.audit.dir.empty()) throw Invalid(node.Mark(), path + ".dir", "required");
    // Checkpoints need the key; the default interval only applies when a key is given.
    if (sink.audit.node_key_file.empty()) {
      if (!interval_mark.is_null() && sink.audit.checkpoint_interval_s > 0) {
        throw Invalid(interval_mark, path + ".checkpoint_interval_s",
                      "checkpoints are signed: node_key_file is required");
      }
      sink.audit.checkpoint_interval_s = 0;
    }
  }
  if (sink.type == SinkType::kWebhook) {
    const std::pair<bool, const char*> required[] = {
        {sink.webhook.url.empty(), "url"},
        {sink.webhook.secret_files.empty(), "secret_files"},
        {sink.webhook.spool_dir.empty(), "spool_dir"}};
    for (const auto& [missing, key] : required) {
      if (missing) throw Invalid(node.Mark(), path + "." + key, "required");
    }
  }
}

}  // namespace panguard::agent::config_detail
