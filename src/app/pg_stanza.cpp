// Opening a stanza and naming its WAL targets (see pg_stanza.h).
#include "app/pg_stanza.h"

#include "common/error.h"
#include "repo/record_store.h"

namespace strata::app {

OpenedStanza open_stanza(const RepositoryAccess& access, const std::string& stanza, const Job& job) {
  OpenedStanza out;
  out.repo = open_repository(access, job);
  repo::RecordStore records(*out.repo);
  out.stanza = source::postgres::load_stanza(records, stanza, out.repo->backend().location());
  return out;
}

std::vector<WalTarget> wal_targets(const RepositoryAccess& main, const source::postgres::StanzaSettings& st,
                                   const std::vector<config::ReplicaSettings>& replicas) {
  std::vector<WalTarget> out{{"main", main}};
  for (const auto& name : st.archive_to) {
    const config::ReplicaSettings* rep = nullptr;
    for (const auto& r : replicas)
      if (r.name == name) rep = &r;
    if (!rep) throw Error(ExitCode::usage, "stanza " + st.name + ": archive_to names unknown replica '" + name + "'");
    out.push_back({name, with_location(main, rep->repository, rep->key_file, rep->password_file)});
  }
  return out;
}

}  // namespace strata::app
