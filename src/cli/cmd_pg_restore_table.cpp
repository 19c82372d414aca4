// `strata pg restore-table`: table- or schema-level recovery through a scratch
// instance (see source/postgres/table_restore.h).
#include "cli/commands.h"
#include "common/error.h"

namespace strata::cli {

void register_pg_restore_table(CLI::App& group, GlobalOptions&, int&) {
  auto* cmd = group.add_subcommand("restore-table", "extract a table or schema as it was at a target time (SQL)");
  cmd->callback([] { throw Error(ExitCode::failure, "pg restore-table is not available in this build"); });
}

}  // namespace strata::cli
