#include "common/sqlite.hpp"

#include <sqlite3.h>

#include "common/errors.hpp"

namespace envforge {

SqliteDb::SqliteDb(const std::string& path, bool read_only, bool create) : path_(path) {
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw IoError("database '" + path + "': cannot open: " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

void SqliteDb::fail(std::string_view what) const {
    throw IoError("database '" + path_ + "': " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

void SqliteDb::exec(std::string_view sql) {
    char* err = nullptr;
    std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        std::string head = s.substr(0, 60);
        throw IoError("database '" + path_ + "': " + msg + " (in: " + head + ")");
    }
}

int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::changes() const { return sqlite3_changes(db_); }

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
    if (!done_) sqlite3_exec(db_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

SqliteStmt::SqliteStmt(const SqliteDb& db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db.raw(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
        db.fail("prepare '" + std::string(sql.substr(0, 60)) + "'");
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(stmt_); }

SqliteStmt& SqliteStmt::bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
}
SqliteStmt& SqliteStmt::bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
}
SqliteStmt& SqliteStmt::bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
SqliteStmt& SqliteStmt::bind_ref(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}
SqliteStmt& SqliteStmt::bind_blob(int i, const void* data, size_t n) {
    sqlite3_bind_blob(stmt_, i, data, static_cast<int>(n), SQLITE_TRANSIENT);
    return *this;
}
SqliteStmt& SqliteStmt::bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
}
int SqliteStmt::param_index(const char* name) const { return sqlite3_bind_parameter_index(stmt_, name); }
int SqliteStmt::param_count() const { return sqlite3_bind_parameter_count(stmt_); }
const char* SqliteStmt::param_name(int i) const { return sqlite3_bind_parameter_name(stmt_, i); }

bool SqliteStmt::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
    sqlite3_reset(stmt_);
    db_.fail("step '" + sql.substr(0, 60) + "'");
}
void SqliteStmt::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int SqliteStmt::columns() const { return sqlite3_column_count(stmt_); }
const char* SqliteStmt::column_name(int i) const { return sqlite3_column_name(stmt_, i); }
int SqliteStmt::column_type(int i) const { return sqlite3_column_type(stmt_, i); }
bool SqliteStmt::is_null(int i) const { return column_type(i) == SQLITE_NULL; }
int64_t SqliteStmt::int64(int i) const { return sqlite3_column_int64(stmt_, i); }
double SqliteStmt::real(int i) const { return sqlite3_column_double(stmt_, i); }
std::string SqliteStmt::text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
std::string_view SqliteStmt::view(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

std::optional<std::string> SqliteStmt::text_or_null(int i) const {
    if (is_null(i)) return std::nullopt;
    return text(i);
}
std::string SqliteStmt::blob(int i) const {
    const void* p = sqlite3_column_blob(stmt_, i);
    int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

}  // namespace envforge
