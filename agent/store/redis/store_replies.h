// Turns the counter scripts' replies (store_scripts.h) into decisions, or says the reply is not
// one the script can produce (an error reply, a wrong shape, a value out of range): the store
// then answers by its failure mode rather than trust it.
#pragma once

#include <optional>

#include "agent/store/redis/redis_reply.h"
#include "agent/store/store.h"

namespace panguard::agent::redis {

// {allowed 0|1, remaining >= 0, retry_after_us >= 0}; a refusal has remaining 0.
std::optional<RateDecision> parse_rate_reply(const Reply& reply);

// {window_total as a finite decimal string >= 0, windows_over >= 0}.
std::optional<QuotaUsage> parse_quota_reply(const Reply& reply, uint32_t sustain_windows);

// {report 0|1, occurrences >= 1, suppressed_previous >= 0}; a report is the first occurrence.
std::optional<DedupDecision> parse_dedup_reply(const Reply& reply);

}  // namespace panguard::agent::redis
