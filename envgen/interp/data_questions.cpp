#include "envgen/interp/data_questions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "common/json.hpp"
#include "common/rng.hpp"

namespace envforge::interp {

namespace {

using Rows = std::vector<size_t>;

uint64_t fnv1a(const std::string& s) {  // std::hash differs between standard libraries
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    return h;
}

std::string lit(const std::string& s) { return Json(s).dump(); }  // a Python string literal
std::string col(const Column& c) { return "df[" + lit(c.name) + "]"; }
std::string tick(const Column& c) { return "`" + c.name + "`"; }

std::string number_text(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

std::string round_text(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // -0.00
    return s;
}

// A value this close to halfway between two rounded values could round either way (the margin
// is a millionth of a unit plus a few ulps of the scaled value: sums of millions stay usable).
bool on_rounding_boundary(double v, int decimals) {
    const double scaled = std::abs(v) * std::pow(10.0, decimals);
    return std::abs(scaled - std::floor(scaled) - 0.5) < 1e-6 + 1e-15 * scaled;
}

// A row filter the question states in words and the program as a pandas mask.
struct Cond {
    const Column* c = nullptr;
    bool greater = false;  // numeric: value > threshold; else text equality
    double threshold = 0;
    std::string text;
    bool test(size_t r) const {
        if (c->missing[r]) return false;
        return greater ? c->value[r] > threshold : c->text[r] == text;
    }
    std::string words() const { return tick(*c) + (greater ? " is greater than " + text : " is " + (c->numeric() ? text : lit(text))); }
    std::string mask() const { return "(" + col(*c) + (greater ? " > " + text : " == " + (c->numeric() ? text : lit(text))) + ")"; }
};

Rows all_rows(const Table& t) {
    Rows r(t.rows);
    for (size_t i = 0; i < t.rows; ++i) r[i] = i;
    return r;
}

Rows where(const Rows& in, const std::vector<Cond>& conds) {
    Rows out;
    for (size_t r : in)
        if (std::all_of(conds.begin(), conds.end(), [&](const Cond& c) { return c.test(r); })) out.push_back(r);
    return out;
}

std::vector<double> present(const Column& c, const Rows& rows) {
    std::vector<double> v;
    for (size_t r : rows)
        if (!c.missing[r]) v.push_back(c.value[r]);
    return v;
}

std::optional<double> aggregate(const std::string& agg, std::vector<double> v, PlantedBug bug) {
    if (agg == "count") return static_cast<double>(v.size());
    if (v.empty()) return std::nullopt;
    double sum = 0;
    for (double x : v) sum += x;
    if (agg == "sum") return sum;
    if (agg == "mean") return sum / static_cast<double>(v.size()) + (bug == PlantedBug::MeanOffByOne ? 1.0 : 0.0);
    std::sort(v.begin(), v.end());
    if (agg == "min") return v.front();
    if (agg == "max") return v.back();
    if (agg == "range") return v.back() - v.front();
    const size_t n = v.size();  // median
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string agg_words(const std::string& agg) {
    if (agg == "range") return "range (maximum minus minimum)";
    if (agg == "count") return "number of values";
    return agg == "mean" ? "mean" : agg == "median" ? "median" : agg == "sum" ? "sum" : agg == "min" ? "minimum" : "maximum";
}

std::string agg_code(const std::string& agg, const std::string& series) {
    if (agg == "range") return series + ".max() - " + series + ".min()";
    return series + "." + agg + "()";
}

bool is_measure(const Column& c) {
    if (!c.numeric() || c.present() < 10) return false;
    std::set<double> d;
    for (size_t r = 0; r < c.value.size() && d.size() < 5; ++r)
        if (!c.missing[r]) d.insert(c.value[r]);
    return d.size() >= 5;
}

// The values of a column that works as a category (2 to 20 values, each on 2 rows or more).
std::vector<std::string> categories(const Column& c) {
    // An int column with missing values is read by pandas as floats (8.0): not a category here.
    if (c.type == ColumnType::Float || c.type == ColumnType::Date || c.present() < 10) return {};
    if (c.type == ColumnType::Int && c.present() != c.text.size()) return {};
    std::map<std::string, size_t> n;
    for (size_t r = 0; r < c.text.size(); ++r)
        if (!c.missing[r] && ++n[c.text[r]] && n.size() > 20) return {};
    if (n.size() < 2 || (c.type == ColumnType::Int && n.size() > 12)) return {};
    std::vector<std::pair<size_t, std::string>> by_count;
    for (const auto& [v, k] : n) {
        if (k < 2) return {};
        by_count.emplace_back(k, v);
    }
    std::sort(by_count.begin(), by_count.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<std::string> out;
    for (const auto& [k, v] : by_count) out.push_back(v);
    return out;
}

bool is_key(const Column& c, size_t rows) {
    if (c.type != ColumnType::String || c.present() != rows || rows < 10) return false;
    std::set<std::string> seen;
    for (const std::string& s : c.text)
        if (s.size() > 60 || s != std::string(s.c_str()) || !seen.insert(s).second) return false;
    return true;
}

// Thresholds at the quartiles of a measure, as values that occur in the data.
std::vector<Cond> thresholds(const Column& c) {
    std::vector<double> v;
    for (size_t r = 0; r < c.value.size(); ++r)
        if (!c.missing[r]) v.push_back(c.value[r]);
    std::sort(v.begin(), v.end());
    std::vector<Cond> out;
    for (double q : {0.25, 0.5, 0.75}) {
        Cond k;
        k.c = &c;
        k.greater = true;
        k.text = number_text(v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))]);
        k.threshold = std::strtod(k.text.c_str(), nullptr);
        if (out.empty() || out.back().text != k.text) out.push_back(k);
    }
    return out;
}

std::vector<Cond> equalities(const Column& c, size_t at_most) {
    std::vector<Cond> out;
    for (const std::string& v : categories(c)) {
        if (out.size() == at_most) break;
        Cond k;
        k.c = &c;
        k.text = v;
        out.push_back(k);
    }
    return out;
}

std::string conds_words(const std::vector<Cond>& cs) {
    std::string s;
    for (size_t i = 0; i < cs.size(); ++i) s += (i ? " and " : "") + cs[i].words();
    return s;
}

std::string conds_mask(const std::vector<Cond>& cs) {
    std::string s;
    for (size_t i = 0; i < cs.size(); ++i) s += (i ? " & " : "") + cs[i].mask();
    return s;
}

// The `names`, "values" and numbers of a question, as written.
std::vector<std::string> names_and_numbers(const std::string& text) {
    std::vector<std::string> out;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '`' || c == '"') {
            const size_t end = text.find(c, i + 1);
            if (end == std::string::npos) break;
            out.push_back(text.substr(i + 1, end - i - 1));
            i = end;
        } else if (std::isdigit(static_cast<unsigned char>(c)) && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '-')) {
            size_t end = i;
            while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
            while (end > i && text[end - 1] == '.') --end;
            out.push_back(text.substr(i, end - i));
            i = end - 1;
        }
    }
    return out;
}

class Builder {
public:
    Builder(const Table& t, PlantedBug bug) : t_(t), bug_(bug) {}
    std::map<std::string, std::vector<DataQuestion>> out;

    // A float answer rounded to `decimals`, with probes one unit off and any named wrong values.
    void number(const std::string& family, int difficulty, const std::string& key, const std::string& ask, double exact, int decimals,
                const std::string& code, std::vector<std::pair<std::string, double>> wrong = {}) {
        if (!std::isfinite(exact) || on_rounding_boundary(exact, decimals)) return;
        DataQuestion q = base(family, difficulty, key,
                              ask + " Round to " + std::to_string(decimals) + " decimal place" + (decimals == 1 ? "" : "s") + ".");
        const double unit = std::pow(10.0, -decimals);
        q.answer = round_text(exact, decimals);
        q.answer_type = "float";
        q.tolerance = unit / 2;
        q.exact = exact;
        q.check_code = code;
        q.print_code = "print(round(float(result), " + std::to_string(decimals) + "))";
        q.probes.emplace_back("off_by_one_rounding", round_text(exact + unit, decimals));
        for (auto& [name, v] : wrong)
            if (std::isfinite(v) && std::abs(v - exact) > unit) q.probes.emplace_back(name, round_text(v, decimals));
        out[family].push_back(std::move(q));
    }

    void integer(const std::string& family, int difficulty, const std::string& key, const std::string& ask, int64_t exact,
                 const std::string& code, std::vector<std::pair<std::string, int64_t>> wrong = {}) {
        DataQuestion q = base(family, difficulty, key, ask);
        q.answer = std::to_string(exact);
        q.answer_type = "int";
        q.exact = static_cast<double>(exact);
        q.check_code = code;
        q.print_code = "print(int(result))";
        q.probes.emplace_back("off_by_one", std::to_string(exact + 1));
        for (auto& [name, v] : wrong)
            if (v != exact && v != exact + 1) q.probes.emplace_back(name, std::to_string(v));
        out[family].push_back(std::move(q));
    }

    void text(const std::string& family, int difficulty, const std::string& key, const std::string& ask, const std::string& answer,
              const std::string& type, const std::string& code, std::vector<std::pair<std::string, std::string>> wrong) {
        DataQuestion q = base(family, difficulty, key, ask);
        q.answer = answer;
        q.answer_type = type;
        q.check_code = code;
        q.print_code = type == "list" ? "print(', '.join(str(x) for x in result))" : "print(result)";
        for (auto& w : wrong)
            if (w.second != answer) q.probes.push_back(std::move(w));
        out[family].push_back(std::move(q));
    }

    const Table& table() const { return t_; }
    PlantedBug bug() const { return bug_; }

private:
    DataQuestion base(const std::string& family, int difficulty, const std::string& key, const std::string& ask) const {
        DataQuestion q;
        q.family = family;
        q.difficulty = difficulty;
        q.table = &t_;
        q.key = t_.label() + "|" + family + "|" + key;
        q.question = t_.intro() + ask;
        q.keep = names_and_numbers(q.question.substr(0, q.question.find('?')));
        return q;
    }
    const Table& t_;
    PlantedBug bug_;
};

std::string missing_note(const Column& c, const Rows& rows) {
    for (size_t r : rows)
        if (c.missing[r]) return " Rows with no value for " + tick(c) + " are left out.";
    return "";
}

std::string head(const Table& t) { return "import pandas as pd\nimport numpy as np\n" + t.pandas_load() + "\n"; }

void aggregates(Builder& b, const Column& n) {
    const Table& t = b.table();
    const Rows rows = all_rows(t);
    for (const char* agg : {"mean", "median", "sum", "min", "max", "range"}) {
        const auto v = aggregate(agg, present(n, rows), b.bug());
        if (!v) continue;
        b.number("aggregate", 1, n.name + "|" + agg, "What is the " + agg_words(agg) + " of " + tick(n) + "?" + missing_note(n, rows), *v,
                 2, head(t) + "result = " + agg_code(agg, col(n)) + "\n");
    }
}

void filtered_aggregates(Builder& b, const Column& n, const std::vector<Cond>& conds) {
    const Table& t = b.table();
    const Rows all = all_rows(t);
    static constexpr const char* kAggs[] = {"mean", "median", "sum", "max"};
    std::optional<double> unfiltered[4];  // the probes' wrong answers, one per aggregate
    for (size_t i = 0; i < 4; ++i) unfiltered[i] = aggregate(kAggs[i], present(n, all), b.bug());
    for (const Cond& k : conds) {
        if (k.c == &n) continue;
        const Rows rows = where(all, {k});
        if (rows.size() < 3 || rows.size() == all.size()) continue;
        for (size_t i = 0; i < 4; ++i) {
            const char* agg = kAggs[i];
            const auto v = aggregate(agg, present(n, rows), b.bug());
            if (!v || !unfiltered[i]) continue;
            b.number("filter_aggregate", 2, n.name + "|" + agg + "|" + k.mask(),
                     "What is the " + agg_words(agg) + " of " + tick(n) + " over the rows where " + k.words() + "?" + missing_note(n, rows),
                     *v, 2, head(t) + "sel = df[" + k.mask() + "]\nresult = " + agg_code(agg, "sel[" + lit(n.name) + "]") + "\n",
                     {{"dropped_filter", *unfiltered[i]}});
        }
    }
}

void counts(Builder& b, const std::vector<const Column*>& cats, const std::vector<Cond>& conds) {
    const Table& t = b.table();
    const Rows all = all_rows(t);
    for (const Column* c : cats) {
        std::set<std::string> every;
        for (size_t r : all)
            if (!c->missing[r]) every.insert(c->text[r]);
        b.integer("distinct", 1, c->name, "How many distinct values does " + tick(*c) + " take (missing values not counted)?",
                  static_cast<int64_t>(every.size()), head(t) + "result = " + col(*c) + ".nunique()\n");
        for (const Cond& k : conds) {
            if (k.c == c) continue;
            std::set<std::string> d;
            for (size_t r : where(all, {k}))
                if (!c->missing[r]) d.insert(c->text[r]);
            b.integer(
                "filter_distinct", 2, c->name + "|" + k.mask(),
                "How many distinct values does " + tick(*c) + " take over the rows where " + k.words() + " (missing values not counted)?",
                static_cast<int64_t>(d.size()), head(t) + "result = df[" + k.mask() + "][" + lit(c->name) + "].nunique()\n",
                {{"dropped_filter", static_cast<int64_t>(every.size())}});
        }
    }
    for (const Column& c : t.columns) {
        const size_t missing = t.rows - c.present();
        if (missing == 0 || missing == t.rows) continue;
        b.integer("missing", 1, c.name, "How many rows have no value (a missing value) for " + tick(c) + "?", static_cast<int64_t>(missing),
                  head(t) + "result = " + col(c) + ".isna().sum()\n", {{"present_count", static_cast<int64_t>(c.present())}});
    }
}

void percentages(Builder& b, const Column& n) {
    const Table& t = b.table();
    const std::vector<double> v = present(n, all_rows(t));
    for (const Cond& k : thresholds(n)) {
        const double above = static_cast<double>(std::count_if(v.begin(), v.end(), [&](double x) { return x > k.threshold; }));
        const double pct = 100.0 * above / static_cast<double>(v.size());
        b.number("percentage", 2, n.name + "|" + k.text,
                 "What percentage of the rows that have a value for " + tick(n) + " have " + k.words() + "? Give it in percent (0 to 100).",
                 pct, 1, head(t) + "s = " + col(n) + ".dropna()\nresult = (s > " + k.text + ").mean() * 100\n",
                 {{"fraction_not_percent", pct / 100}, {"over_all_rows", 100.0 * above / static_cast<double>(t.rows)}});
    }
}

// Mean of `n` per category value; the best and the runner-up must differ clearly.
std::optional<std::pair<std::string, std::string>> arg_best(const Column& cat, const Column& n, const Rows& rows, bool highest,
                                                            const std::string& agg) {
    std::map<std::string, std::vector<double>> groups;
    for (size_t r : rows)
        if (!cat.missing[r] && !n.missing[r]) groups[cat.text[r]].push_back(n.value[r]);
    std::vector<std::pair<double, std::string>> scored;
    for (auto& [g, v] : groups) scored.emplace_back(*aggregate(agg, v, PlantedBug::None), g);
    if (scored.size() < 2) return std::nullopt;
    std::sort(scored.begin(), scored.end());
    if (highest) std::reverse(scored.begin(), scored.end());
    const double gap = std::abs(scored[0].first - scored[1].first);
    if (gap <= 1e-6 * std::max(1.0, std::abs(scored[0].first))) return std::nullopt;
    return std::make_pair(scored[0].second, scored[1].second);
}

void group_questions(Builder& b, const Column& cat, const Column& n, const std::vector<Cond>& conds) {
    const Table& t = b.table();
    const Rows all = all_rows(t);
    for (bool highest : {true, false})
        for (const char* agg : {"mean", "sum"}) {
            const auto best = arg_best(cat, n, all, highest, agg);
            if (!best) continue;
            const std::string ask = std::string("Which value of ") + tick(cat) + " has the " + (highest ? "highest " : "lowest ") + agg +
                                    " of " + tick(n) + "? Answer with the value as it appears in the data.";
            const std::string code = head(t) + "result = df.groupby(" + lit(cat.name) + ")[" + lit(n.name) + "]." + agg + "()." +
                                     (highest ? "idxmax" : "idxmin") + "()\n";
            b.text("group_argmax", 3, cat.name + "|" + n.name + "|" + agg + (highest ? "|max" : "|min"), ask, best->first, "string", code,
                   {{"runner_up", best->second}});
            for (const Cond& k : conds) {
                if (k.c == &cat || k.c == &n) continue;
                const auto fbest = arg_best(cat, n, where(all, {k}), highest, agg);
                if (!fbest) continue;
                b.text("filter_group_argmax", 4, cat.name + "|" + n.name + "|" + agg + (highest ? "|max|" : "|min|") + k.mask(),
                       "Among the rows where " + k.words() + ", " + std::string(ask).replace(0, 1, "w"), fbest->first, "string",
                       head(t) + "sel = df[" + k.mask() + "]\nresult = sel.groupby(" + lit(cat.name) + ")[" + lit(n.name) + "]." + agg +
                           "()." + (highest ? "idxmax" : "idxmin") + "()\n",
                       {{"dropped_filter", best->first}, {"runner_up", fbest->second}});
            }
        }
}

void top_k(Builder& b, const Column& key, const Column& n, const std::vector<Cond>& conds) {
    const Table& t = b.table();
    auto ranked = [&](const Rows& rows, bool largest) {
        std::vector<std::pair<double, std::string>> v;
        for (size_t r : rows)
            if (!n.missing[r]) v.emplace_back(largest ? -n.value[r] : n.value[r], key.text[r]);
        std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return v;
    };
    auto list = [](const std::vector<std::pair<double, std::string>>& v, size_t k) {
        std::string s;
        for (size_t i = 0; i < k && i < v.size(); ++i) s += (i ? ", " : "") + v[i].second;
        return s;
    };
    std::vector<std::optional<Cond>> filters = {std::nullopt};
    for (const Cond& k : conds)
        if (!k.greater && k.c != &n) filters.emplace_back(k);
    for (const auto& f : filters)
        for (bool largest : {true, false})
            for (size_t k : {3u, 5u}) {
                const Rows rows = f ? where(all_rows(t), {*f}) : all_rows(t);
                const auto v = ranked(rows, largest);
                if (v.size() <= k + 1 || v[k - 1].first == v[k].first) continue;  // a tie at the boundary
                // The answer is a comma-separated list: a value that holds a comma cannot be in it.
                if (std::any_of(v.begin(), v.begin() + static_cast<long>(k),
                                [](const auto& x) { return x.second.find(',') != std::string::npos; }))
                    continue;
                const std::string ask = std::string(f ? "Among the rows where " + f->words() + ", which " : "Which ") + std::to_string(k) +
                                        " values of " + tick(key) + " have the " + (largest ? "largest" : "smallest") + " " + tick(n) +
                                        "? Answer with the values separated by commas, in any order." + missing_note(n, rows);
                const std::string sel = f ? "df[" + f->mask() + "]" : "df";
                const std::string code = head(t) + "result = " + sel + ".dropna(subset=[" + lit(n.name) + "])." +
                                         (largest ? "nlargest(" : "nsmallest(") + std::to_string(k) + ", " + lit(n.name) + ")[" +
                                         lit(key.name) + "].tolist()\n";
                b.text(f ? "filter_top_k" : "top_k", f ? 4 : 3,
                       key.name + "|" + n.name + (largest ? "|l|" : "|s|") + std::to_string(k) + (f ? "|" + f->mask() : ""), ask,
                       list(v, k), "list", code, {{"one_too_many", list(v, k + 1)}, {"other_end", list(ranked(rows, !largest), k)}});
            }
}

const char* const kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

void date_questions(Builder& b, const Column& d, const Column& n, const std::vector<Cond>& conds) {
    const Table& t = b.table();
    std::map<int, std::vector<double>> by_month, by_year;
    for (size_t r = 0; r < t.rows; ++r) {
        if (d.missing[r] || n.missing[r]) continue;
        int y = 0, m = 0, day = 0;
        civil_from_days(static_cast<int64_t>(d.value[r]), y, m, day);
        by_month[m].push_back(n.value[r]);
        by_year[y].push_back(n.value[r]);
    }
    const std::string parse = "when = pd.to_datetime(" + col(d) + ")\n";
    if (by_month.size() >= 2) {
        std::vector<std::pair<double, int>> s;
        for (auto& [m, v] : by_month) s.emplace_back(*aggregate("mean", v, b.bug()), m);
        std::sort(s.rbegin(), s.rend());
        if (std::abs(s[0].first - s[1].first) > 1e-6 * std::max(1.0, std::abs(s[0].first)))
            b.integer("month_argmax", 3, d.name + "|" + n.name,
                      "Grouping the rows by the calendar month of " + tick(d) + " (all years together), which month has the highest mean " +
                          tick(n) + "? Answer with the month's number, 1 for January to 12 for December.",
                      s[0].second, head(t) + parse + "result = df.groupby(when.dt.month)[" + lit(n.name) + "].mean().idxmax()\n",
                      {{"runner_up", s[1].second}});
    }
    for (auto& [y, v] : by_year) {
        if (by_year.size() < 2 || v.size() < 3) continue;
        std::vector<double> every;
        for (auto& [yy, vv] : by_year) every.insert(every.end(), vv.begin(), vv.end());
        b.number("year_mean", 2, d.name + "|" + n.name + "|" + std::to_string(y),
                 "What is the mean of " + tick(n) + " over the rows whose " + tick(d) + " falls in the year " + std::to_string(y) + "?" +
                     missing_note(n, all_rows(t)),
                 *aggregate("mean", v, b.bug()), 2,
                 head(t) + parse + "result = df[when.dt.year == " + std::to_string(y) + "][" + lit(n.name) + "].mean()\n",
                 {{"dropped_filter", *aggregate("mean", every, b.bug())}});
    }
    for (const Cond& k : conds) {
        if (!k.greater || k.c != &n) continue;
        for (int wd : {0, 5}) {
            int64_t count = 0, any_day = 0;
            for (size_t r = 0; r < t.rows; ++r)
                if (!d.missing[r] && k.test(r)) {
                    ++any_day;
                    count += weekday_from_days(static_cast<int64_t>(d.value[r])) == wd;
                }
            b.integer("weekday_count", 4, d.name + "|" + std::to_string(wd) + "|" + k.mask(),
                      std::string("How many rows fall on a ") + kWeekdays[wd] + " according to " + tick(d) + " and have " + k.words() + "?",
                      count, head(t) + parse + "result = ((when.dt.dayofweek == " + std::to_string(wd) + ") & " + k.mask() + ").sum()\n",
                      {{"dropped_weekday", any_day}});
        }
    }
}

void pair_questions(Builder& b, const Column& x, const Column& y) {
    const Table& t = b.table();
    std::vector<double> xs, ys;
    for (size_t r = 0; r < t.rows; ++r)
        if (!x.missing[r] && !y.missing[r]) xs.push_back(x.value[r]), ys.push_back(y.value[r]);
    if (xs.size() < 5) return;
    const double n = static_cast<double>(xs.size());
    double mx = 0, my = 0;
    for (size_t i = 0; i < xs.size(); ++i) mx += xs[i], my += ys[i];
    mx /= n, my /= n;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < xs.size(); ++i)
        sxx += (xs[i] - mx) * (xs[i] - mx), syy += (ys[i] - my) * (ys[i] - my), sxy += (xs[i] - mx) * (ys[i] - my);
    if (sxx <= 0 || syy <= 0) return;
    const std::string both = " Use the rows that have values for both.";
    const double r = sxy / std::sqrt(sxx * syy);
    b.number("correlation", 4, x.name + "|" + y.name,
             "What is the Pearson correlation coefficient between " + tick(x) + " and " + tick(y) + "?" + both, r, 3,
             head(t) + "result = " + col(x) + ".corr(" + col(y) + ")\n", {{"wrong_sign", -r}});
    const double slope = sxy / sxx;
    const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(std::abs(slope) + 1e-300))), 2, 8);
    b.number("linear_fit", 4, x.name + "|" + y.name,
             "Fit a straight line " + tick(y) + " = a * " + tick(x) + " + b by least squares. What is the slope a?" + both, slope, decimals,
             head(t) + "s = df[[" + lit(x.name) + ", " + lit(y.name) + "]].dropna()\nresult = np.polyfit(s[" + lit(x.name) + "], s[" +
                 lit(y.name) + "], 1)[0]\n",
             {{"swapped_axes", sxy / syy}});
}

void two_filter_questions(Builder& b, const Column& n, const std::vector<Cond>& numeric, const std::vector<Cond>& equal) {
    const Table& t = b.table();
    const Rows all = all_rows(t);
    // The probes' wrong answers (one filter dropped): the median under each single condition.
    auto medians = [&](const std::vector<Cond>& cs) {
        std::vector<std::optional<double>> m;
        for (const Cond& k : cs) m.push_back(aggregate("median", present(n, where(all, {k})), b.bug()));
        return m;
    };
    const auto median_numeric = medians(numeric), median_equal = medians(equal);
    for (size_t i = 0; i < numeric.size(); ++i)
        for (size_t j = 0; j < equal.size(); ++j) {
            const Cond &a = numeric[i], &e = equal[j];
            if (a.c == &n || e.c == &n || a.c == e.c) continue;
            const Rows rows = where(all, {a, e});
            if (rows.size() < 3) continue;
            const auto v = aggregate("median", present(n, rows), b.bug());
            const auto &only_a = median_numeric[i], &only_e = median_equal[j];
            if (!v || !only_a || !only_e) continue;
            b.number("two_filter_median", 5, n.name + "|" + a.mask() + "|" + e.mask(),
                     "What is the median of " + tick(n) + " over the rows where " + conds_words({a, e}) + "?" + missing_note(n, rows), *v,
                     2, head(t) + "sel = df[" + conds_mask({a, e}) + "]\nresult = sel[" + lit(n.name) + "].median()\n",
                     {{"dropped_" + a.c->name + "_filter", *only_a}, {"dropped_" + e.c->name + "_filter", *only_e}});
        }
}

void table_questions(Builder& b) {
    const Table& t = b.table();
    std::vector<const Column*> measures, cats, keys, dates;
    for (const Column& c : t.columns) {
        if (is_measure(c)) measures.push_back(&c);
        if (!categories(c).empty()) cats.push_back(&c);
        if (is_key(c, t.rows)) keys.push_back(&c);
        if (c.type == ColumnType::Date && c.present() >= 10) dates.push_back(&c);
    }
    std::vector<Cond> numeric, equal, conds;
    for (const Column* m : measures)
        for (const Cond& k : thresholds(*m)) numeric.push_back(k);
    for (const Column* c : cats)
        for (const Cond& k : equalities(*c, 4)) equal.push_back(k);
    conds = numeric;
    conds.insert(conds.end(), equal.begin(), equal.end());
    for (const Column* n : measures) {
        aggregates(b, *n);
        filtered_aggregates(b, *n, conds);
        percentages(b, *n);
        for (const Column* c : cats)
            if (c != n) group_questions(b, *c, *n, conds);
        for (const Column* k : keys) top_k(b, *k, *n, equal);
        for (const Column* d : dates) date_questions(b, *d, *n, numeric);
        for (const Column* m : measures)
            if (m < n) pair_questions(b, *m, *n);
        two_filter_questions(b, *n, numeric, equal);
    }
    counts(b, cats, conds);
}

}  // namespace

std::vector<DataQuestion> data_questions(const std::vector<Table>& tables, uint64_t seed, size_t per_family, PlantedBug bug) {
    std::vector<DataQuestion> all;
    for (const Table& t : tables) {
        Builder b(t, bug);
        table_questions(b);
        for (auto& [family, qs] : b.out) {
            Rng rng(seed ^ fnv1a(t.label() + "|" + family));
            for (size_t i = qs.size(); i > 1; --i) std::swap(qs[i - 1], qs[rng.below(i)]);
            if (qs.size() > per_family) qs.resize(per_family);
            for (auto& q : qs) all.push_back(std::move(q));
        }
    }
    return all;
}

bool program_agrees(const DataQuestion& q, const std::string& got_json) {
    Json got;
    try {
        got = Json::parse(got_json, "the reference program's result");
    } catch (const std::exception&) {
        return false;
    }
    if (q.answer_type == "float" || q.answer_type == "int") {
        if (!got.is_number()) return false;
        const double v = got.as_number();
        return std::abs(v - q.exact) <= 1e-9 * std::max(1.0, std::abs(q.exact));
    }
    if (q.answer_type == "list") {
        if (!got.is_array()) return false;
        std::string s;
        for (size_t i = 0; i < got.as_array().size(); ++i) {
            const Json& x = got.as_array()[i];
            s += (i ? ", " : "") + (x.is_string() ? x.as_string() : x.dump());
        }
        return s == q.answer;
    }
    return got.is_string() ? got.as_string() == q.answer : got.dump() == q.answer;
}

}  // namespace envforge::interp
