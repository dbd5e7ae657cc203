// Pre-built events for bench_rules: a realistic traffic mix for the default pack, mostly benign
// with a few percent of attacks. Built once before timing; the timed loops never parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rules/event.h"

namespace panguard::bench {

struct EventMix {
  std::vector<rules::Event> events;  // shuffled
  std::size_t attacks = 0;           // how many were built as attacks
};

// `count` events from 50 tenants, deterministic for a given seed. Roughly: 60% Vault (secret
// reads/writes of own paths, token-neutral paths, logins and token exchanges), 25% NATS
// publishes/subscribes, 8% network connects, 6% usage samples, ~3% attacks of every kind the
// default pack detects.
EventMix realistic_event_mix(std::size_t count, uint32_t seed);

}  // namespace panguard::bench
