// Finding PostgreSQL's own programs (pg_ctl, pg_dump) for the version a stanza
// records, when Strata starts a server of its own (table recovery's scratch
// instance, restore tests to come).
#pragma once
#include <string>

namespace strata::source::postgres {

// `given` when it holds executable pg_ctl and pg_dump (else Error(usage)); without
// it the first of `pg_config --bindir`, /usr/lib/postgresql/<major>/bin and
// /usr/lib/postgresql/15/bin that does; Error(source) asking for --pg-bindir when
// none does.
std::string resolve_pg_bindir(const std::string& given, int server_version_num);

}  // namespace strata::source::postgres
