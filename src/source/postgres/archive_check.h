// `strata pg check`: proves the archive path end to end — the server switches
// to a new WAL segment, and the segment it closed must appear in the repository
// (through the server's own archive_command) within the timeout. A failure
// names the segment and what pg_stat_archiver says about the last failure.
#pragma once
#include <string>

#include "common/cancel.h"
#include "common/clock.h"
#include "repo/repository.h"
#include "source/postgres/stanza.h"

namespace strata::source::postgres {

struct ArchiveCheckResult {
  std::string segment;     // the segment that had to arrive
  double seconds = 0;      // how long it took
};

// The wait for the segment is measured on `clock`; Error(interrupted) once
// `cancel` fires while it waits.
ArchiveCheckResult check_archive(repo::Repository& repo, const StanzaSettings& settings, const CancelToken& cancel,
                                 const Clock& clock);

}  // namespace strata::source::postgres
