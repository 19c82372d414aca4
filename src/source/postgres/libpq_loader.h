// libpq, loaded when a command first connects to a server instead of at
// process start: libpq pulls in Kerberos, LDAP and GnuTLS, and resolving them
// doubled the start-up time of every strata process — wal-push and wal-get run
// once per WAL segment and never connect.
#pragma once
#include <libpq-fe.h>

namespace strata::source::postgres {

struct LibPq {
  decltype(&PQconnectdbParams) connectdb_params;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) error_message;
  decltype(&PQfinish) finish;
  decltype(&PQexecParams) exec_params;
  decltype(&PQresultStatus) result_status;
  decltype(&PQresultErrorMessage) result_error_message;
  decltype(&PQclear) clear;
  decltype(&PQntuples) ntuples;
  decltype(&PQnfields) nfields;
  decltype(&PQgetisnull) getisnull;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQserverVersion) server_version;
};

// The loaded library (thread-safe, loaded once); Error(source) naming the
// library and the loader's message when it is missing.
const LibPq& libpq();

}  // namespace strata::source::postgres
