// The --data tables: CSV quoting, types, missing values as pandas reads them, ISO dates, and the
// question families' uniqueness and rounding rules on small tables made here.
#include <doctest/doctest.h>

#include <set>

#include "common/errors.hpp"
#include "common/json.hpp"
#include "envgen/interp/data_questions.hpp"

using namespace envforge;
using namespace envforge::interp;

TEST_CASE("data table: CSV quoting, CRLF, byte-order mark and types") {
    const Table t = parse_table("t.csv",
                                "\xEF\xBB\xBFname,n,x,when\r\n\"Smith, J\",1,2.5,2012-01-01\r\n\"say \"\"hi\"\"\",NA,,2012-02-29\r\n");
    REQUIRE(t.rows == 2);
    REQUIRE(t.columns.size() == 4);
    CHECK(t.columns[0].text[0] == "Smith, J");
    CHECK(t.columns[0].text[1] == "say \"hi\"");
    CHECK(t.columns[1].type == ColumnType::Int);
    CHECK(t.columns[1].missing[1]);
    CHECK(t.columns[2].type == ColumnType::Float);
    CHECK(t.columns[2].present() == 1);
    CHECK(t.columns[3].type == ColumnType::Date);
    CHECK(t.pandas_load() == "df = pd.read_csv(\"t.csv\")");
}

TEST_CASE("data table: JSON nulls are missing, the string NA is not") {
    const Table t = parse_table("t.json", R"([{"a": 1, "s": "NA"}, {"a": null, "s": "x"}, {"s": "y"}])");
    CHECK(t.columns[0].type == ColumnType::Int);
    CHECK(t.columns[0].present() == 1);
    CHECK(t.columns[1].present() == 3);
    CHECK_THROWS_AS(parse_table("t.json", "[1]"), InvalidInput);
    CHECK_THROWS_AS(parse_table("t.csv", "a,b\n1\n"), InvalidInput);
    CHECK_THROWS_AS(parse_table("t.csv", "a,b\n\"1,2\n"), InvalidInput);
    CHECK_THROWS_AS(parse_table("t.csv", "a,a\n1,2\n"), InvalidInput);
}

TEST_CASE("data table: ISO dates, leap years and weekdays") {
    int64_t d = 0;
    REQUIRE(parse_iso_date("2012-01-01", d));
    CHECK(weekday_from_days(d) == 6);  // a Sunday
    REQUIRE(parse_iso_date("1970-01-01T10:00:00", d));
    CHECK(d == 0);
    CHECK(weekday_from_days(d) == 3);  // a Thursday
    CHECK(parse_iso_date("2000-02-29", d));
    CHECK_FALSE(parse_iso_date("1900-02-29", d));
    CHECK_FALSE(parse_iso_date("2012-13-01", d));
    CHECK_FALSE(parse_iso_date("Jan 1 2000", d));
    int y = 0, m = 0, day = 0;
    REQUIRE(parse_iso_date("2015-12-31", d));
    civil_from_days(d, y, m, day);
    CHECK((y == 2015 && m == 12 && day == 31));
}

TEST_CASE("data questions: ties and rounding boundaries are refused, answers agree with themselves") {
    // Groups a and b tie on their mean of v: no argmax question over them.
    std::string csv = "g,v,k\n";
    for (int i = 0; i < 12; ++i) csv += std::string(i % 2 ? "a" : "b") + "," + std::to_string(10 + i / 2) + ",k" + std::to_string(i) + "\n";
    const std::vector<Table> tables = {parse_table("t.csv", csv)};
    const std::vector<DataQuestion> qs = data_questions(tables, 1);
    REQUIRE_FALSE(qs.empty());
    std::set<std::string> families;
    for (const DataQuestion& q : qs) {
        families.insert(q.family);
        CHECK(q.question.find("`t.csv`") != std::string::npos);
        if (q.answer_type == "float" || q.answer_type == "int") CHECK(program_agrees(q, Json(q.exact).dump()));
        for (const auto& [name, wrong] : q.probes) CHECK(wrong != q.answer);
    }
    CHECK(families.count("group_argmax") == 0);  // every grouping ties
    CHECK(families.count("top_k") == 0);         // v repeats at each boundary
    CHECK(families.count("aggregate") == 1);
    // A wrong value from the program is a disagreement.
    for (const DataQuestion& q : qs)
        if (q.answer_type == "float") {
            CHECK_FALSE(program_agrees(q, Json(q.exact + 1).dump()));
            CHECK_FALSE(program_agrees(q, "\"text\""));
            break;
        }
}
