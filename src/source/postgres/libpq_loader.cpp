// dlopen of libpq (see libpq_loader.h).
#include "source/postgres/libpq_loader.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "common/error.h"

namespace strata::source::postgres {

namespace {

constexpr const char* kLibrary = "libpq.so.5";

template <class F>
void bind(void* handle, const char* name, F& fn) {
  void* sym = dlsym(handle, name);
  if (!sym) throw Error(ExitCode::source, std::string(kLibrary) + " has no " + name + ": " + dlerror());
  fn = reinterpret_cast<F>(sym);
}

LibPq load() {
  void* h = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    throw Error(ExitCode::source, std::string("cannot load ") + kLibrary + " (" + dlerror() +
                                      "): install the libpq5 package to connect to PostgreSQL");
  LibPq pq{};
  bind(h, "PQconnectdbParams", pq.connectdb_params);
  bind(h, "PQstatus", pq.status);
  bind(h, "PQerrorMessage", pq.error_message);
  bind(h, "PQfinish", pq.finish);
  bind(h, "PQexecParams", pq.exec_params);
  bind(h, "PQresultStatus", pq.result_status);
  bind(h, "PQresultErrorMessage", pq.result_error_message);
  bind(h, "PQclear", pq.clear);
  bind(h, "PQntuples", pq.ntuples);
  bind(h, "PQnfields", pq.nfields);
  bind(h, "PQgetisnull", pq.getisnull);
  bind(h, "PQgetvalue", pq.getvalue);
  bind(h, "PQserverVersion", pq.server_version);
  return pq;  // the handle stays open for the life of the process
}

}  // namespace

const LibPq& libpq() {
  static std::once_flag once;
  static LibPq pq;
  static std::string failure;
  std::call_once(once, [] {
    try {
      pq = load();
    } catch (const Error& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw Error(ExitCode::source, failure);
  return pq;
}

}  // namespace strata::source::postgres
