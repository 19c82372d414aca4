// A libpq connection to a PostgreSQL server with the few operations Strata needs:
// run a query and read text values, with every failure turned into an
// Error(source) that names the server ("PostgreSQL at 127.0.0.1:5432: ...").
#pragma once
#include <memory>
#include <string>
#include <vector>

typedef struct pg_conn PGconn;

namespace strata::source::postgres {

struct ConnectionSettings {
  std::string host;  // host name, address or socket directory; empty: libpq default
  int port = 0;      // 0: libpq default
  std::string user;
  std::string database = "postgres";
  std::string describe() const;  // "127.0.0.1:5432" or "socket /run/postgresql port 5432"
};

using Row = std::vector<std::string>;

class PgConnection {
 public:
  // Connects (10 s timeout); Error(source) naming the server when it cannot.
  explicit PgConnection(const ConnectionSettings& settings);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with text parameters $1.. and returns every row (NULL as "").
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {});
  // The single value of a one-row, one-column result.
  std::string value(const std::string& sql, const std::vector<std::string>& params = {});
  int server_version_num() const;
  const std::string& where() const { return where_; }

 private:
  PGconn* conn_ = nullptr;
  std::string where_;
};

}  // namespace strata::source::postgres
