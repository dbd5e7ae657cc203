// Fixed events the fuzz targets evaluate compiled packs and templates against: one or more per
// source, with benign values, absent fields and hostile strings (control bytes, template
// markers, non-UTF-8), so that every predicate kind meets present, absent and odd values.
#pragma once

#include <string>
#include <vector>

#include "rules/event.h"

namespace panguard::fuzz {

inline const std::vector<rules::Event>& fixed_events() {
  using rules::Event;
  using rules::FieldId;
  using rules::Source;
  static const std::vector<Event> events = [] {
    std::vector<Event> out;
    Event own_read(Source::kVault);
    own_read.set(FieldId::kEvtType, "vault.request");
    own_read.set(FieldId::kTenantId, "acme");
    own_read.set(FieldId::kTenantSource, "jwt");
    own_read.set(FieldId::kVaultMethod, "GET");
    own_read.set(FieldId::kVaultOperation, "read");
    own_read.set(FieldId::kVaultPath, "secret/tenants/acme/db");
    own_read.set(FieldId::kVaultPathTenant, "acme");
    own_read.set(FieldId::kVaultTokenExchange, false);
    own_read.set(FieldId::kEvtTime, int64_t{1'795'000'000'000'000'000});
    out.push_back(own_read);

    Event hostile(Source::kVault);
    hostile.set(FieldId::kTenantId, "acme\n%tenant.id\x1b[31m");
    hostile.set(FieldId::kTenantSource, "");
    hostile.set(FieldId::kVaultPath, std::string("secret/tenants/acme-evil/\0\xff\xfe%%", 30));
    hostile.set(FieldId::kVaultPathTenant, "globex");
    hostile.set(FieldId::kVaultRole, std::string(300, '*'));
    hostile.set(FieldId::kVaultTokenExchange, true);
    out.push_back(hostile);

    out.emplace_back(Source::kVault);  // no fields at all

    Event publish(Source::kNats);
    publish.set(FieldId::kEvtType, "nats.publish");
    publish.set(FieldId::kTenantId, "acme");
    publish.set(FieldId::kTenantSource, "cgroup");
    publish.set(FieldId::kNatsSubject, "tenants.globex.orders.>");
    publish.set(FieldId::kNatsSubjectTenant, "globex");
    publish.set(FieldId::kProcPid, int64_t{-1});
    publish.set(FieldId::kProcComm, "python3");
    out.push_back(publish);

    Event connect(Source::kNetwork);
    connect.set(FieldId::kEvtType, "network.connect");
    connect.set(FieldId::kTenantId, "acme");
    connect.set(FieldId::kTenantSource, "cgroup");
    connect.set(FieldId::kNetDaddr, "10.0.0.7");
    connect.set(FieldId::kNetDport, int64_t{8200});
    connect.set(FieldId::kK8sContainer, "app");
    connect.set(FieldId::kProcExe, "/tmp/x");
    out.push_back(connect);

    Event exec(Source::kProcess);
    exec.set(FieldId::kEvtType, "process.exec");
    exec.set(FieldId::kProcComm, "curl");
    exec.set(FieldId::kProcExe, "/usr/bin/curl");
    exec.set(FieldId::kProcCgroupId, INT64_MIN);
    out.push_back(exec);

    Event sample(Source::kUsage);
    sample.set(FieldId::kTenantId, "acme");
    sample.set(FieldId::kTenantSource, "cgroup");
    sample.set(FieldId::kUsageCpuMillicores, INT64_MAX);
    sample.set(FieldId::kUsageQuotaCpuMillicores, int64_t{4000});
    sample.set(FieldId::kUsageGpuMemBytes, int64_t{0});
    out.push_back(sample);

    Event platform(Source::kPlatform);
    platform.set(FieldId::kPlatformComponent, "pack");
    platform.set(FieldId::kPlatformReason, "rejected");
    out.push_back(platform);
    return out;
  }();
  return events;
}

}  // namespace panguard::fuzz
