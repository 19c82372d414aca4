// libpq wrapper (see pg_connection.h).
#include "source/postgres/pg_connection.h"

#include <libpq-fe.h>

#include "source/postgres/libpq_loader.h"

#include "common/error.h"

namespace strata::source::postgres {

namespace {
std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}
}  // namespace

std::string ConnectionSettings::describe() const {
  std::string h = host.empty() ? "the default socket" : host;
  if (!host.empty() && host[0] == '/') h = "socket " + host;
  return "PostgreSQL at " + h + (port ? (host.empty() || host[0] == '/' ? " port " : ":") + std::to_string(port) : "");
}

PgConnection::PgConnection(const ConnectionSettings& s) : where_(s.describe()) {
  std::vector<const char*> keys, values;
  const std::string port = s.port ? std::to_string(s.port) : "";
  static const std::string kTimeout = "10", kApplication = "strata";
  auto add = [&](const char* k, const std::string& v) {  // v outlives the connect call
    if (!v.empty()) {
      keys.push_back(k);
      values.push_back(v.c_str());
    }
  };
  add("host", s.host);
  add("port", port);
  add("user", s.user);
  add("dbname", s.database);
  add("connect_timeout", kTimeout);
  add("application_name", kApplication);
  keys.push_back(nullptr);
  values.push_back(nullptr);
  const LibPq& pq = libpq();
  conn_ = pq.connectdb_params(keys.data(), values.data(), 0);
  if (!conn_ || pq.status(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? trimmed(pq.error_message(conn_)) : "out of memory";
    if (conn_) pq.finish(conn_);
    conn_ = nullptr;
    throw Error(ExitCode::source, "cannot connect to " + where_ + ": " + msg);
  }
}

PgConnection::~PgConnection() {
  if (conn_) libpq().finish(conn_);
}

std::vector<Row> PgConnection::query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> p;
  for (const auto& v : params) p.push_back(v.c_str());
  const LibPq& pq = libpq();
  PGresult* r = pq.exec_params(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr,
                               nullptr, 0);
  std::unique_ptr<PGresult, void (*)(PGresult*)> guard(r, pq.clear);
  const ExecStatusType st = r ? pq.result_status(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string msg = r ? trimmed(pq.result_error_message(r)) : trimmed(pq.error_message(conn_));
    if (msg.empty()) msg = trimmed(pq.error_message(conn_));
    throw Error(ExitCode::source, where_ + ": " + msg + " (running: " + sql.substr(0, 80) + ")");
  }
  std::vector<Row> rows;
  const int n = pq.ntuples(r), f = pq.nfields(r);
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row row;
    for (int j = 0; j < f; ++j) row.emplace_back(pq.getisnull(r, i, j) ? "" : pq.getvalue(r, i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgConnection::value(const std::string& sql, const std::vector<std::string>& params) {
  auto rows = query(sql, params);
  if (rows.size() != 1 || rows[0].size() != 1)
    throw Error(ExitCode::source, where_ + ": expected one value from: " + sql.substr(0, 80));
  return rows[0][0];
}

int PgConnection::server_version_num() const { return libpq().server_version(conn_); }

}  // namespace strata::source::postgres
