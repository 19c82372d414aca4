// WalQuorum (see wal_quorum.h).
#include "app/wal_quorum.h"

#include <optional>
#include <thread>

#include "common/error.h"
#include "common/log.h"

namespace strata::app {

namespace pg = source::postgres;

WalQuorum::WalQuorum(const pg::StanzaSettings& st, std::vector<WalTarget> targets, const Job& job)
    : job_(job),
      stanza_name_(st.name),
      level_(st.wal_compression_level),
      quorum_(st.wal_quorum > 0 ? static_cast<size_t>(st.wal_quorum) : targets.size()) {
  for (auto& w : targets) {
    auto t = std::make_unique<Target>();
    t->where = std::move(w);
    targets_.push_back(std::move(t));
  }
}

void WalQuorum::push_to(Target& t, const std::string& path) {
  repo::Repository* repo = nullptr;
  const pg::StanzaRecord* stanza = nullptr;
  {
    std::lock_guard lock(t.open_mu);
    if (!t.repo) {
      auto opened = open_stanza(t.where.access, stanza_name_, job_);
      t.stanza = std::move(opened.stanza);
      t.repo = std::move(opened.repo);
    }
    repo = t.repo.get();
    stanza = &t.stanza;
  }
  pg::WalArchive(*repo, *stanza, level_).push(path);
}

size_t WalQuorum::push(const std::string& path) {
  std::vector<std::optional<Error>> failures(targets_.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets_.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        push_to(*targets_[i], path);
      } catch (const Error& e) {
        failures[i] = e;
      } catch (const std::exception& e) {
        failures[i] = Error(ExitCode::failure, e.what());
      }
    });
  for (auto& t : threads) t.join();
  size_t held = 0;
  std::string why;
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (!failures[i]) {
      ++held;
      continue;
    }
    const std::string& name = targets_[i]->where.name;
    if (failures[i]->code() == ExitCode::conflict)
      throw Error(ExitCode::conflict, "repository " + name + ": " + failures[i]->what());
    why += "; " + name + ": " + failures[i]->what();
  }
  const std::string file = path.substr(path.rfind('/') + 1);
  if (held < quorum_) {
    ExitCode code = ExitCode::io;
    for (const auto& f : failures)
      if (f) code = f->code();
    throw Error(code, "WAL file " + file + " is held by " + std::to_string(held) + " of " +
                          std::to_string(targets_.size()) + " repositories, quorum is " + std::to_string(quorum_) + why);
  }
  if (!why.empty())
    log_warning("WAL file " + file + " archived in " + std::to_string(held) + " of " +
                std::to_string(targets_.size()) + " repositories (quorum " + std::to_string(quorum_) + ")" + why +
                "; 'strata replicate' copies it to the others");
  return held;
}

}  // namespace strata::app
