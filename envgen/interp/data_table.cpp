#include "envgen/interp/data_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <sqlite3.h>

#include "common/errors.hpp"
#include "common/json.hpp"
#include "common/sqlite.hpp"
#include "common/utf8.hpp"

namespace envforge::interp {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxFileBytes = 8u << 20;  // every task carries its table
constexpr size_t kMaxColumns = 200;
constexpr size_t kMaxRows = 1000000;  // a database's table (the file's 8 MiB bound it already)

// An SQL identifier, quoted ("a""b").
std::string sql_quote(const std::string& name) {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// pandas' default missing markers (read_csv's na_values when keep_default_na is on).
bool is_missing_marker(const std::string& s) {
    static const std::set<std::string> markers = {"",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                                  "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
                                                  "NaN",  "None",   "n/a",      "nan",  "null"};
    return markers.count(s) != 0;
}

bool parse_int(const std::string& s, double& v) {
    if (s.empty() || s.size() > 18) return false;
    char* end = nullptr;
    const long long x = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0' || std::isspace(static_cast<unsigned char>(s[0]))) return false;
    v = static_cast<double>(x);
    return true;
}

bool parse_float(const std::string& s, double& v) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)  // no hex floats, infinities or nan words: pandas reads those otherwise
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return *end == '\0' && std::isfinite(v);
}

// RFC 4180 records: quoted fields may hold the delimiter, quotes ("") and newlines.
std::vector<std::vector<std::string>> parse_delimited(const std::string& text, char delim, const std::string& file) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, was_quoted = false;
    size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a byte-order mark
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field.push_back('"'), ++i;
            else if (c == '"') quoted = false;
            else field.push_back(c);
        } else if (c == '"' && field.empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else if (c == delim) {
            row.push_back(std::move(field));
            field.clear();
            was_quoted = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            row.push_back(std::move(field));
            field.clear();
            was_quoted = false;
            if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
            row.clear();
        } else {
            field.push_back(c);
        }
    }
    if (quoted) throw InvalidInput(file + ": a quoted field is not closed");
    if (!field.empty() || !row.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

// Cells of a JSON value: numbers as pandas prints them back, strings as they are, null missing.
std::string json_cell(const Json& v, bool& missing, bool& nested) {
    missing = v.is_null();
    if (v.is_null()) return "";
    if (v.is_string()) return v.as_string();
    if (v.is_bool()) return v.as_bool() ? "True" : "False";
    if (v.is_number()) return v.dump();
    nested = true;
    return v.dump();
}

// Types `c` (forced by the schema when `forced` is set). Text files mark missing values with
// pandas' markers; JSON files with null or an absent key only (read_json keeps "NA" a string).
void type_column(Column& c, const std::string& forced, const std::string& file, bool markers) {
    c.missing.resize(c.text.size());
    c.value.assign(c.text.size(), 0.0);
    if (markers)
        for (size_t r = 0; r < c.text.size(); ++r) c.missing[r] = c.missing[r] || is_missing_marker(c.text[r]);
    auto all = [&](auto&& ok) {
        size_t seen = 0;
        for (size_t r = 0; r < c.text.size(); ++r)
            if (!c.missing[r]) {
                if (!ok(c.text[r], c.value[r])) return false;
                ++seen;
            }
        return seen > 0;
    };
    auto date = [](const std::string& s, double& v) {
        int64_t d = 0;
        if (!parse_iso_date(s, d)) return false;
        v = static_cast<double>(d);
        return true;
    };
    if (forced.empty()) {
        c.type = all(parse_int)     ? ColumnType::Int
                 : all(parse_float) ? ColumnType::Float
                 : all(date)        ? ColumnType::Date
                                    : ColumnType::String;
    } else {
        static const std::map<std::string, ColumnType> names = {
            {"int", ColumnType::Int}, {"float", ColumnType::Float}, {"date", ColumnType::Date}, {"string", ColumnType::String}};
        const auto it = names.find(forced);
        if (it == names.end()) throw InvalidInput(file + ": schema.json: column '" + c.name + "': unknown type '" + forced + "'");
        c.type = it->second;
        const bool ok = c.type == ColumnType::Int     ? all(parse_int)
                        : c.type == ColumnType::Float ? all(parse_float)
                        : c.type == ColumnType::Date  ? all(date)
                                                      : true;
        if (!ok) throw InvalidInput(file + ": schema.json says column '" + c.name + "' is " + forced + ", but not every value is");
    }
    if (c.type == ColumnType::String) std::fill(c.value.begin(), c.value.end(), 0.0);
}

// `json_missing`: per column, which rows held null or no key (JSON input); null for text input.
Table from_rows(const std::string& file, std::vector<std::string> header, const std::vector<std::vector<std::string>>& body,
                const std::vector<std::vector<bool>>* json_missing) {
    if (header.empty()) throw InvalidInput(file + ": no header row");
    if (header.size() > kMaxColumns) throw InvalidInput(file + ": more than " + std::to_string(kMaxColumns) + " columns");
    std::set<std::string> seen;
    for (const std::string& h : header)
        if (h.empty() || !seen.insert(h).second || !is_valid_utf8(h))
            throw InvalidInput(file + ": the header has an empty, repeated or non-UTF-8 column name");
    Table t;
    t.file = file;
    t.rows = body.size();
    for (size_t c = 0; c < header.size(); ++c) {
        Column col;
        col.name = header[c];
        col.text.reserve(body.size());
        for (size_t r = 0; r < body.size(); ++r) {
            if (body[r].size() != header.size())
                throw InvalidInput(file + ": row " + std::to_string(r + 2) + " has " + std::to_string(body[r].size()) +
                                   " fields, the header " + std::to_string(header.size()));
            col.text.push_back(body[r][c]);
        }
        if (json_missing) col.missing = (*json_missing)[c];
        type_column(col, "", file, json_missing == nullptr);
        t.columns.push_back(std::move(col));
    }
    return t;
}

Table from_json_records(const std::string& file, const std::vector<Json>& records) {
    std::vector<std::string> header;
    std::set<std::string> known;
    for (const Json& r : records) {
        if (!r.is_object()) throw InvalidInput(file + ": every record must be a JSON object");
        for (const auto& m : r.as_object())
            if (known.insert(m.key).second) header.push_back(m.key);
    }
    std::vector<std::vector<std::string>> body;
    std::vector<std::vector<bool>> missing(header.size());
    std::set<std::string> nested_columns;
    for (const Json& r : records) {
        std::vector<std::string> row;
        for (size_t c = 0; c < header.size(); ++c) {
            const Json* v = r.find(header[c]);
            bool miss = !v, nested = false;
            row.push_back(v ? json_cell(*v, miss, nested) : "");
            if (nested) nested_columns.insert(header[c]);
            missing[c].push_back(miss);
        }
        body.push_back(std::move(row));
    }
    Table t = from_rows(file, header, body, &missing);
    for (Column& col : t.columns)
        if (nested_columns.count(col.name)) col.type = ColumnType::String, col.missing.assign(col.text.size(), true);  // unusable
    return t;
}

// One table of a database: the values as text (REAL with every digit, NULL as missing), then
// each column typed by its storage classes, as pandas' read_sql types it: all INTEGER is int,
// INTEGER and REAL is float, TEXT is a string (or a date), anything mixed is unusable.
Table sqlite_table(const SqliteDb& db, const std::string& file, const std::string& name) {
    SqliteStmt st(db, "SELECT * FROM " + sql_quote(name));
    std::vector<std::string> header;
    for (int c = 0; c < st.columns(); ++c) header.push_back(st.column_name(c) ? st.column_name(c) : "");
    std::vector<std::vector<std::string>> body;
    std::vector<std::vector<bool>> missing(header.size());
    std::vector<std::set<int>> classes(header.size());
    while (st.step()) {
        if (body.size() >= kMaxRows) throw InvalidInput(file + ": table " + name + " has more than " + std::to_string(kMaxRows) + " rows");
        std::vector<std::string> row;
        for (int c = 0; c < static_cast<int>(header.size()); ++c) {
            const int type = st.column_type(c);
            const auto col = static_cast<size_t>(c);
            missing[col].push_back(type == SQLITE_NULL);
            if (type != SQLITE_NULL) classes[col].insert(type);
            if (type == SQLITE_FLOAT) {
                char buf[40];
                std::snprintf(buf, sizeof buf, "%.17g", st.real(c));
                row.push_back(buf);
            } else {
                row.push_back(type == SQLITE_NULL || type == SQLITE_BLOB ? "" : st.text(c));
            }
        }
        body.push_back(std::move(row));
    }
    Table t = from_rows(file, header, body, &missing);
    for (size_t c = 0; c < t.columns.size(); ++c) {
        Column& col = t.columns[c];
        const std::set<int>& k = classes[c];
        const bool text = k == std::set<int>{SQLITE_TEXT};
        if (k == std::set<int>{SQLITE_INTEGER}) type_column(col, "int", file, false);
        else if (k == std::set<int>{SQLITE_FLOAT} || k == std::set<int>{SQLITE_INTEGER, SQLITE_FLOAT})
            type_column(col, "float", file, false);
        else if (text && col.numeric()) type_column(col, "string", file, false);  // read_sql keeps text as text
        else if (!text && !k.empty()) col.type = ColumnType::String, col.missing.assign(col.text.size(), true);  // unusable
    }
    t.format = "sqlite";
    t.sql_table = name;
    return t;
}

std::vector<Table> from_sqlite(const std::string& file, const std::string& content) {
    try {
        SqliteDb db(":memory:");
        // Read from a private copy in memory, read-only; a hostile schema's functions never run.
        auto* image = static_cast<unsigned char*>(sqlite3_malloc64(content.size()));
        if (!image) throw InvalidInput(file + ": out of memory");
        std::memcpy(image, content.data(), content.size());
        if (sqlite3_deserialize(db.raw(), "main", image, static_cast<sqlite3_int64>(content.size()),
                                static_cast<sqlite3_int64>(content.size()),
                                SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
            throw InvalidInput(file + ": not a SQLite database");
        sqlite3_db_config(db.raw(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
        sqlite3_db_config(db.raw(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
        std::vector<std::string> names;
        SqliteStmt list(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
        while (list.step()) names.push_back(list.text(0));
        std::vector<Table> tables;
        for (const std::string& name : names) {
            if (!is_valid_utf8(name)) continue;
            Table t = sqlite_table(db, file, name);
            if (t.rows > 0) tables.push_back(std::move(t));
        }
        if (tables.empty()) throw InvalidInput(file + ": no table with rows");
        return tables;
    } catch (const IoError& e) {
        // SQLite's own words come last ("file is not a database"), after our statement's.
        const std::string what = e.what();
        const size_t cut = what.rfind(": ");
        throw InvalidInput(file + ": not a readable SQLite database (" + what.substr(cut == std::string::npos ? 0 : cut + 2, 200) + ")");
    }
}

}  // namespace

const char* column_type_name(ColumnType t) {
    switch (t) {
        case ColumnType::Int: return "int";
        case ColumnType::Float: return "float";
        case ColumnType::Date: return "date";
        case ColumnType::String: return "string";
    }
    return "string";
}

size_t Column::present() const { return static_cast<size_t>(std::count(missing.begin(), missing.end(), false)); }

std::string Table::pandas_load() const {
    const std::string name = Json(file).dump();
    if (format == "sqlite")
        return "import sqlite3\ndf = pd.read_sql_query(" + Json("SELECT * FROM " + sql_quote(sql_table)).dump() + ", sqlite3.connect(" +
               name + "))";
    if (format == "tsv") return "df = pd.read_csv(" + name + ", sep='\\t')";
    if (format == "json") return "df = pd.read_json(" + name + ", convert_dates=False)";
    if (format == "jsonl") return "df = pd.read_json(" + name + ", lines=True, convert_dates=False)";
    return "df = pd.read_csv(" + name + ")";
}

std::string Table::label() const { return format == "sqlite" ? file + ":" + sql_table : file; }

std::string Table::intro() const {
    if (format == "sqlite")
        return "The SQLite database `" + file + "` is in the current directory; the data is its table `" + sql_table + "`. ";
    return "The file `" + file + "` is in the current directory. ";
}

bool is_sqlite_file(const std::string& file) {
    const std::string ext = fs::path(file).extension().string();
    return ext == ".sqlite" || ext == ".sqlite3" || ext == ".db";
}

bool parse_iso_date(const std::string& s, int64_t& days) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[static_cast<size_t>(i)]))) return false;
    if (s.size() > 10 && s[10] != ' ' && s[10] != 'T') return false;
    const int y = std::atoi(s.substr(0, 4).c_str()), m = std::atoi(s.substr(5, 2).c_str()), d = std::atoi(s.substr(8, 2).c_str());
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1678 || y > 2261 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1]) return false;  // pandas' datetime64[ns] range
    // days_from_civil (H. Hinnant)
    const int yy = y - (m <= 2);
    const int era = (yy >= 0 ? yy : yy - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(yy - era * 400);
    const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
    int cy = 0, cm = 0, cd = 0;
    civil_from_days(days, cy, cm, cd);
    return cy == y && cm == m && cd == d;  // 29 February of a year that has none
}

void civil_from_days(int64_t z, int& year, int& month, int& day) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    year = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (month <= 2));
}

int weekday_from_days(int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7); }  // 1970-01-01 was a Thursday

Table parse_table(const std::string& file, const std::string& content) {
    const std::string ext = fs::path(file).extension().string();
    if (!is_valid_utf8(content)) throw InvalidInput(file + ": not UTF-8 text");
    Table t;
    if (ext == ".csv" || ext == ".tsv") {
        auto rows = parse_delimited(content, ext == ".tsv" ? '\t' : ',', file);
        if (rows.empty()) throw InvalidInput(file + ": empty");
        std::vector<std::string> header = std::move(rows.front());
        rows.erase(rows.begin());
        t = from_rows(file, std::move(header), rows, nullptr);
        t.format = ext.substr(1);
    } else if (ext == ".json") {
        const Json doc = Json::parse(content, file);
        if (!doc.is_array()) throw InvalidInput(file + ": expected a JSON array of records");
        t = from_json_records(file, doc.as_array());
        t.format = "json";
    } else if (ext == ".jsonl" || ext == ".ndjson") {
        std::vector<Json> records;
        std::istringstream in(content);
        size_t n = 0;
        for (std::string line; std::getline(in, line);) {
            ++n;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            records.push_back(Json::parse(line, file + ":" + std::to_string(n)));
        }
        t = from_json_records(file, records);
        t.format = "jsonl";
    } else {
        throw InvalidInput(file + ": not a table file (.csv, .tsv, .json, .jsonl)");
    }
    t.file = file;
    t.content = content;
    return t;
}

std::vector<Table> parse_tables(const std::string& file, const std::string& content) {
    if (!is_sqlite_file(file)) return {parse_table(file, content)};
    std::vector<Table> tables = from_sqlite(file, content);
    for (Table& t : tables) t.content = content;
    return tables;
}

std::vector<Table> load_tables(const std::string& dir, std::vector<std::string>* skipped) {
    if (!fs::is_directory(dir)) throw InvalidInput("--data '" + dir + "': no such directory");
    Json schema = Json::object();
    const fs::path schema_path = fs::path(dir) / "schema.json";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path() == schema_path) continue;
        const std::string ext = e.path().extension().string();
        const bool table = ext == ".csv" || ext == ".tsv" || ext == ".json" || ext == ".jsonl" || ext == ".ndjson" ||
                           is_sqlite_file(e.path().string());
        if (!e.is_regular_file() || e.is_symlink() || !table) {
            if (skipped) skipped->push_back(e.path().filename().string() + ": not a table file");
            continue;
        }
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        if (!in) throw InvalidInput(p.string() + ": cannot be read");
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    if (fs::is_regular_file(schema_path)) {
        schema = Json::parse(read(schema_path), schema_path.string());
        if (!schema.is_object()) throw InvalidInput(schema_path.string() + ": expected {file: {column: type}}");
    }
    std::vector<Table> tables;
    for (const fs::path& p : files) {
        if (fs::file_size(p) > kMaxFileBytes) {
            if (skipped) skipped->push_back(p.filename().string() + ": over 8 MiB (every task carries its table)");
            continue;
        }
        const std::string name = p.filename().string();
        if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos) continue;
        for (Table& t : parse_tables(name, read(p))) {
            // schema.json names a database's table as "file:table".
            if (const Json* forced = schema.find(t.label()); forced && forced->is_object())
                for (Column& c : t.columns)
                    if (const Json* type = forced->find(c.name); type && type->is_string())
                        type_column(c, type->as_string(), name, t.format == "csv" || t.format == "tsv");
            tables.push_back(std::move(t));
        }
    }
    return tables;
}

}  // namespace envforge::interp
