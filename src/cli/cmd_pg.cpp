// `strata pg`: the PostgreSQL commands. This file registers the group and the
// commands that manage the stanza and its WAL archive (stanza-create, wal-push,
// wal-get); backups, restores and reports are in cmd_pg_backup.cpp,
// cmd_pg_restore.cpp and cmd_pg_info.cpp.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/pg_context.h"
#include "app/pg_wal.h"
#include "config/ranges.h"

namespace strata::cli {

namespace pg = source::postgres;

namespace {

app::WalDestination wal_destination(const GlobalOptions& g, const pg::StanzaSettings& st) {
  return {repository_access(g), st, g.file->replicas};
}

void register_stanza_create(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto* cmd = group.add_subcommand("stanza-create", "record a cluster as a stanza of the repository");
  add_pg_options(*cmd, *a);
  cmd->callback([&g, &exit_code, a] {
    auto st = resolve_stanza(g, *a);
    auto [cluster, created] = app::create_stanza(wal_destination(g, st), job(g));
    if (g.json) {
      nlohmann::json j = {{"stanza", st.name}, {"created", created}, {"system_id", std::to_string(cluster.system_id)},
                          {"server_version_num", cluster.server_version_num}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      say(g, std::string(created ? "stanza " : "stanza ") + st.name + (created ? " created" : " already exists") +
                 " for system id " + std::to_string(cluster.system_id) + " (PostgreSQL " +
                 std::to_string(cluster.server_version_num / 10000) + ", WAL segments of " +
                 std::to_string(cluster.wal_segment_size >> 20) + " MiB, data checksums " +
                 (cluster.data_checksums ? "on" : "off") + ")");
    }
    exit_code = 0;
  });
}

// Names the missing permission when the server's user cannot reach the repository.
Error with_archive_user_hint(const Error& e) {
  if (e.sys_errno() != EACCES && e.sys_errno() != EPERM) return e;
  return e.with_hint("this command runs as uid " + std::to_string(getuid()) +
                     "; as archive_command/restore_command it runs as the server's user, which must be able to read "
                     "the password file and read and write the repository: see docs/postgres.md");
}

void register_wal_push(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto path = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("wal-push", "archive a WAL file (archive_command = 'strata pg wal-push --stanza S %p')");
  add_pg_options(*cmd, *a);
  cmd->add_option("path", *path, "the file to archive (%p)")->required();
  cmd->callback([&g, &exit_code, a, path] {
    try {
      auto st = resolve_stanza(g, *a);
      if (st.async) {
        // The background pusher does the work; this call only waits for its verdict.
        pg::SpoolDirs spool{st.spool};
        spool.create();
        const std::string abs = std::filesystem::absolute(*path).lexically_normal().string();
        const std::string name = abs.substr(abs.rfind('/') + 1), pg_wal = abs.substr(0, abs.rfind('/'));
        pg::wait_for_async_push(spool, name, st.archive_timeout_seconds, [&] {
          spawn_worker(g, *a, "wal-push-worker",
                       {"--spool", st.spool, "--pg-wal", pg_wal, "--parallel", std::to_string(st.push_parallel),
                        "--for", name},
                       st.spool + "/pusher.log");
        }, app::spool_job(job(g)));
        exit_code = 0;
        return;
      }
      auto pushed = app::push_wal(wal_destination(g, st), *path, job(g));
      if (!g.quiet && g.json)
        std::printf("%s\n", (st.archive_to.empty()
                                 ? nlohmann::json({{"file", *path}, {"stored", pushed.stored}})
                                 : nlohmann::json({{"file", *path},
                                                   {"repositories", pushed.repositories},
                                                   {"quorum", pushed.quorum}}))
                                .dump()
                                .c_str());
      exit_code = 0;
    } catch (const Error& e) {
      throw with_archive_user_hint(e);
    }
  });
}

// The background half of `wal-push --async` (started by it, not by operators).
void register_wal_push_worker(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto pg_wal = std::make_shared<std::string>();
  auto parallel = std::make_shared<unsigned>(4);
  auto for_name = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("wal-push-worker", "");
  cmd->group("");  // hidden from --help
  add_pg_options(*cmd, *a);
  cmd->add_option("--pg-wal", *pg_wal)->required();
  add_whole_option(*cmd, "--parallel", *parallel, config::kPushParallel, "segments pushed at once");
  cmd->add_option("--for", *for_name, "the segment whose wal-push started this worker");
  cmd->callback([&g, &exit_code, a, pg_wal, parallel, for_name] {
    a->async = true;
    auto st = resolve_stanza(g, *a);
    app::run_wal_pusher(wal_destination(g, st), *pg_wal, *parallel, *for_name, job(g));
    exit_code = 0;
  });
}

void register_wal_get(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto name = std::make_shared<std::string>();
  auto dest = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("wal-get", "fetch an archived WAL file (restore_command = 'strata pg wal-get --stanza S %f %p')");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  cmd->add_option("name", *name, "WAL file name (%f)")->required();
  cmd->add_option("dest", *dest, "where to write it (%p)")->required();
  cmd->callback([&g, &exit_code, a, name, dest] {
    try {
      auto st = resolve_stanza(g, *a);
      std::unique_ptr<pg::SpoolDirs> spool;
      auto keep_fetching = [&] {
        spawn_worker(g, *a, "wal-get-worker", {"--spool", st.spool, "--ahead", std::to_string(st.get_ahead)},
                     st.spool + "/fetcher.log");
      };
      if (st.async) {
        spool = std::make_unique<pg::SpoolDirs>(pg::SpoolDirs{st.spool});
        spool->create();
        pg::note_wanted(*spool, *name);
        if (pg::take_prefetched(*spool, *name, *dest)) {
          keep_fetching();
          exit_code = 0;
          return;
        }
      }
      app::fetch_wal(repository_access(g), st.name, *name, *dest, job(g));
      if (spool) keep_fetching();
      exit_code = 0;
    } catch (const Error& e) {
      throw with_archive_user_hint(e);
    }
  });
}

// The background half of `wal-get --async`: keeps the next segments in the spool.
void register_wal_get_worker(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto ahead = std::make_shared<unsigned>(8);
  auto* cmd = group.add_subcommand("wal-get-worker", "");
  mark_reading(*cmd);
  cmd->group("");
  add_pg_options(*cmd, *a);
  add_whole_option(*cmd, "--ahead", *ahead, config::kGetAhead, "segments fetched ahead");
  cmd->callback([&g, &exit_code, a, ahead] {
    a->async = true;
    auto st = resolve_stanza(g, *a);
    app::run_wal_fetcher(repository_access(g), st, *ahead, job(g));
    exit_code = 0;
  });
}

void register_pg_check(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto* cmd = group.add_subcommand("check", "prove that WAL reaches the repository: switch WAL and wait for it");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  cmd->callback([&g, &exit_code, a] {
    auto st = resolve_stanza(g, *a);
    auto r = app::check_wal_archiving(repository_access(g), st, job(g));
    if (g.json)
      std::printf("%s\n", nlohmann::json({{"stanza", st.name}, {"segment", r.segment}, {"seconds", r.seconds}}).dump().c_str());
    else
      say(g, "WAL segment " + r.segment + " reached stanza " + st.name + " after " +
                 std::to_string(static_cast<int>(r.seconds * 1000)) + " ms: archiving works");
    exit_code = 0;
  });
}

}  // namespace

void register_pg(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* group = app.add_subcommand("pg", "PostgreSQL: WAL archive, backups, point-in-time restores");
  group->require_subcommand(1);
  register_stanza_create(*group, g, exit_code);
  register_wal_push(*group, g, exit_code);
  register_wal_get(*group, g, exit_code);
  register_wal_push_worker(*group, g, exit_code);
  register_wal_get_worker(*group, g, exit_code);
  register_pg_check(*group, g, exit_code);
  register_pg_backup(*group, g, exit_code);
  register_pg_restore(*group, g, exit_code);
  register_pg_info(*group, g, exit_code);
  register_pg_restore_table(*group, g, exit_code);
  register_pg_expire(*group, g, exit_code);
  register_pg_verify(*group, g, exit_code);
}

}  // namespace strata::cli
