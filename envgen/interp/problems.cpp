#include "envgen/interp/problems.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <vector>

#include "envgen/synth_util.hpp"

namespace envforge::interp {

namespace {

std::string num(int64_t v) { return std::to_string(v); }
std::string fixed2(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// ---------- data analysis ----------

const char* const kRegions[] = {"North", "South", "East", "West", "Central"};
const char* const kProducts[] = {"Anchor", "Beacon", "Cobalt", "Dynamo", "Ember", "Falcon", "Garnet", "Harbor"};
const char* const kSegments[] = {"retail", "wholesale", "online"};
const char* const kCountries[] = {"Varnesia", "Ostrelland", "Quillmark", "Sorvania"};

struct Sale {
    std::string date, region, product;
    int64_t units, price;
};

std::vector<Sale> make_sales(Rng& rng, int n, int regions, int products) {
    std::vector<Sale> out;
    const int64_t day0 = day_number(2025, 1, 1);
    for (int i = 0; i < n; ++i)
        out.push_back({date_string(day0 + rng.range(0, 364)), kRegions[rng.below(static_cast<uint64_t>(regions))],
                       kProducts[rng.below(static_cast<uint64_t>(products))], rng.range(1, 20), rng.range(100, 5000)});
    std::sort(out.begin(), out.end(), [](const Sale& a, const Sale& b) { return a.date < b.date; });
    return out;
}

std::string sales_csv(const std::vector<Sale>& s) {
    std::string csv = "date,region,product,units,unit_price_cents\n";
    for (const auto& x : s) csv += x.date + "," + x.region + "," + x.product + "," + num(x.units) + "," + num(x.price) + "\n";
    return csv;
}

const char* kLoadSales = "import csv\nrows = list(csv.DictReader(open('sales.csv')))\n";

// Difficulty 1-2: one sales table; the revenue of a region, or a region's best product in a month.
Problem sales_problem(Rng& tables, Rng& rng, int d, int n) {
    Problem p;
    p.family = "data";
    auto sales = make_sales(tables, n, 3 + d, 4 + d);
    p.files["sales.csv"] = sales_csv(sales);
    const std::string region = kRegions[rng.below(static_cast<uint64_t>(3 + d))];
    if (d == 1) {
        int64_t in = 0, all = 0;
        for (const auto& s : sales) {
            all += s.units * s.price;
            if (s.region == region) in += s.units * s.price;
        }
        p.question =
            "sales.csv lists sales (date, region, product, units, unit_price_cents). What is the total "
            "revenue in cents (units times unit price) for the " +
            region + " region?";
        p.answer = num(in);
        p.answer_type = "int";
        p.off_by_one = num(in + 1);
        p.dropped_filter = num(all);
        p.reference_code = std::string(kLoadSales) +
                           "print(sum(int(r['units']) * int(r['unit_price_cents']) for r in rows if r['region'] == '" + region + "'))\n";
    } else {
        const int month = static_cast<int>(rng.range(1, 12));
        char mm[8];
        std::snprintf(mm, sizeof mm, "2025-%02d", month);
        std::map<std::string, int64_t> units, units_all;
        for (const auto& s : sales)
            if (s.region == region) {
                units_all[s.product] += s.units;
                if (s.date.compare(0, 7, mm) == 0) units[s.product] += s.units;
            }
        auto best = [](const std::map<std::string, int64_t>& m) {  // most units, ties alphabetical
            std::string b;
            int64_t bu = -1;
            for (const auto& [k, v] : m)
                if (v > bu) b = k, bu = v;
            return b;
        };
        auto second = [&](const std::map<std::string, int64_t>& m, const std::string& first) {
            std::map<std::string, int64_t> rest = m;
            rest.erase(first);
            return rest.empty() ? first + "s" : best(rest);
        };
        p.question = std::string(
                         "sales.csv lists sales (date, region, product, units, unit_price_cents). Which product "
                         "sold the most units in the ") +
                     region + " region in " + mm +
                     "? If several tie, give the "
                     "alphabetically first.";
        p.answer = units.empty() ? "none" : best(units);
        p.answer_type = "string";
        p.off_by_one = second(units, p.answer);
        p.dropped_filter = best(units_all) == p.answer ? second(units_all, p.answer) : best(units_all);
        p.reference_code = std::string(kLoadSales) +
                           "from collections import Counter\nc = Counter()\nfor r in rows:\n    if r['region'] == '" + region +
                           "' and r['date'].startswith('" + mm +
                           "'):\n        c[r['product']] += int(r['units'])\n"
                           "best = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))\nprint(best[0][0] if best else 'none')\n";
    }
    return p;
}

// Difficulty 3-5: customers.csv and orders.csv, joined on customer_id.
struct Shop {
    struct Order {
        int c;
        std::string date;
        int64_t amount;
    };
    int n_customers = 0;
    std::vector<std::pair<std::string, std::string>> cust;  // (segment, country) by customer id - 1
    std::vector<Order> ord;
};

const char* kLoadShop =
    "import csv\ncust = {r['customer_id']: r for r in csv.DictReader(open('customers.csv'))}\n"
    "orders = list(csv.DictReader(open('orders.csv')))\n";

Shop make_shop(Rng& rng, int d, int n, Problem& p) {
    Shop shop;
    shop.n_customers = 30 * d;
    std::string customers = "customer_id,segment,country\n", orders = "order_id,customer_id,date,amount_cents\n";
    for (int i = 1; i <= shop.n_customers; ++i) {
        shop.cust.emplace_back(kSegments[rng.below(3)], kCountries[rng.below(4)]);
        customers += num(i) + "," + shop.cust.back().first + "," + shop.cust.back().second + "\n";
    }
    const int64_t day0 = day_number(2025, 1, 1);
    for (int i = 1; i <= n; ++i) {
        shop.ord.push_back(
            {static_cast<int>(rng.range(1, shop.n_customers)), date_string(day0 + rng.range(0, 364)), rng.range(500, 90000)});
        orders += num(i) + "," + num(shop.ord.back().c) + "," + shop.ord.back().date + "," + num(shop.ord.back().amount) + "\n";
    }
    p.files["customers.csv"] = customers;
    p.files["orders.csv"] = orders;
    return shop;
}

// Difficulty 3: the average order of one segment in one country.
void shop_average(Rng& rng, const Shop& shop, Problem& p) {
    const auto& cust = shop.cust;
    const auto& ord = shop.ord;
    const char* load = kLoadShop;
    const std::string seg = kSegments[rng.below(3)], country = kCountries[rng.below(4)];
    double sum = 0, sum_all = 0;
    int cnt = 0, cnt_all = 0;
    for (const auto& o : ord) {
        const auto& [s, c] = cust[static_cast<size_t>(o.c - 1)];
        if (s != seg) continue;
        sum_all += static_cast<double>(o.amount);
        ++cnt_all;
        if (c == country) sum += static_cast<double>(o.amount), ++cnt;
    }
    p.question =
        "customers.csv (customer_id, segment, country) and orders.csv (order_id, customer_id, date, "
        "amount_cents) describe a shop. What is the average order amount in cents, rounded to 2 "
        "decimals, over orders by " +
        seg + " customers from " + country + "? (0 if there are none)";
    const double avg = cnt ? sum / cnt : 0, avg_all = cnt_all ? sum_all / cnt_all : 0;
    p.answer = fixed2(avg);
    p.answer_type = "float";
    p.tolerance = 0.011;
    p.off_by_one = fixed2(avg + 1);
    p.dropped_filter = fixed2(avg_all);
    p.reference_code = std::string(load) + "xs = [int(o['amount_cents']) for o in orders if cust[o['customer_id']]['segment'] == '" + seg +
                       "' and cust[o['customer_id']]['country'] == '" + country +
                       "']\n"
                       "print('%.2f' % (sum(xs) / len(xs) if xs else 0))\n";
    if (std::abs(avg - avg_all) < 0.05) p.dropped_filter = fixed2(avg_all + 7);  // keep the probe wrong
}

// Difficulty 4: the month with the largest month-over-month increase for one segment.
void shop_growth(Rng& rng, const Shop& shop, Problem& p) {
    const auto& cust = shop.cust;
    const auto& ord = shop.ord;
    const char* load = kLoadShop;
    // Month with the largest month-over-month revenue increase for one segment.
    const std::string seg = kSegments[rng.below(3)];
    std::vector<int64_t> by_month(12, 0), by_month_all(12, 0);
    for (const auto& o : ord) {
        int m = std::stoi(o.date.substr(5, 2)) - 1;
        by_month_all[static_cast<size_t>(m)] += o.amount;
        if (cust[static_cast<size_t>(o.c - 1)].first == seg) by_month[static_cast<size_t>(m)] += o.amount;
    }
    auto best = [](const std::vector<int64_t>& v) {  // first month with the largest increase
        int b = 1;
        for (int m = 2; m < 12; ++m)
            if (v[static_cast<size_t>(m)] - v[static_cast<size_t>(m - 1)] > v[static_cast<size_t>(b)] - v[static_cast<size_t>(b - 1)])
                b = m;
        return b;
    };
    auto name = [](int m) {
        char mm[8];
        std::snprintf(mm, sizeof mm, "2025-%02d", m + 1);
        return std::string(mm);
    };
    const int b = best(by_month), ba = best(by_month_all);
    p.question =
        "customers.csv (customer_id, segment, country) and orders.csv (order_id, customer_id, date, "
        "amount_cents) describe a shop in 2025. Considering only orders by " +
        seg +
        " customers, which "
        "month (YYYY-MM) had the largest increase in total order amount over the previous month? If "
        "several tie, give the earliest.";
    p.answer = name(b);
    p.answer_type = "string";
    p.off_by_one = name(b == 11 ? 10 : b + 1);
    p.dropped_filter = name(ba == b ? (b == 11 ? 9 : (b + 2) % 12) : ba);
    p.reference_code = std::string(load) + "tot = [0] * 12\nfor o in orders:\n    if cust[o['customer_id']]['segment'] == '" + seg +
                       "':\n        tot[int(o['date'][5:7]) - 1] += int(o['amount_cents'])\n"
                       "best = max(range(1, 12), key=lambda m: (tot[m] - tot[m - 1], -m))\nprint('2025-%02d' % (best + 1))\n";
}

// Difficulty 5: the median total spend among customers with at least k orders.
void shop_median(Rng& rng, const Shop& shop, Problem& p) {
    const int n_customers = shop.n_customers;
    const auto& ord = shop.ord;
    const char* load = kLoadShop;
    // d5: median total spend among customers with at least k orders.
    const int k = static_cast<int>(rng.range(3, 6));
    std::vector<int64_t> spend(static_cast<size_t>(n_customers) + 1, 0), count(static_cast<size_t>(n_customers) + 1, 0);
    for (const auto& o : ord) spend[static_cast<size_t>(o.c)] += o.amount, ++count[static_cast<size_t>(o.c)];
    auto median = [](std::vector<int64_t> v) -> int64_t {
        if (v.empty()) return 0;
        std::sort(v.begin(), v.end());
        size_t m = v.size() / 2;
        return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
    };
    std::vector<int64_t> sel, all;
    for (int c = 1; c <= n_customers; ++c)
        if (count[static_cast<size_t>(c)] > 0) {
            all.push_back(spend[static_cast<size_t>(c)]);
            if (count[static_cast<size_t>(c)] >= k) sel.push_back(spend[static_cast<size_t>(c)]);
        }
    p.question =
        "customers.csv (customer_id, segment, country) and orders.csv (order_id, customer_id, date, "
        "amount_cents) describe a shop. Among customers with at least " +
        num(k) +
        " orders, what is the "
        "median of their total spend in cents? With an even count, take the mean of the two middle values "
        "rounded down. (0 if none)";
    const int64_t med = median(sel), med_all = median(all);
    p.answer = num(med);
    p.answer_type = "int";
    p.off_by_one = num(med + 1);
    p.dropped_filter = num(med_all == med ? med + 100 : med_all);
    p.reference_code = std::string(load) +
                       "from collections import defaultdict\nspend, cnt = defaultdict(int), defaultdict(int)\n"
                       "for o in orders:\n    spend[o['customer_id']] += int(o['amount_cents'])\n    cnt[o['customer_id']] += 1\n"
                       "v = sorted(spend[c] for c in spend if cnt[c] >= " +
                       num(k) +
                       ")\n"
                       "m = len(v) // 2\nprint(0 if not v else v[m] if len(v) % 2 else (v[m - 1] + v[m]) // 2)\n";
}

// Two stages, each with its own stream: the tables, then the question asked of them.
Problem data_problem(uint64_t seed, int d) {
    Rng tables = stage_rng(seed, "interp.data.tables"), question = stage_rng(seed, "interp.data.question");
    const int n = 200 * d + static_cast<int>(tables.range(0, 100));
    if (d <= 2) return sales_problem(tables, question, d, n);
    Problem p;
    p.family = "data";
    const Shop shop = make_shop(tables, d, n, p);
    if (d == 3) shop_average(question, shop, p);
    else if (d == 4) shop_growth(question, shop, p);
    else shop_median(question, shop, p);
    return p;
}

// ---------- number theory and combinatorics ----------

std::vector<int> sieve_primes(int n) {
    std::vector<bool> comp(static_cast<size_t>(n) + 1, false);
    std::vector<int> primes;
    for (int i = 2; i <= n; ++i) {
        if (comp[static_cast<size_t>(i)]) continue;
        primes.push_back(i);
        for (int64_t j = int64_t{i} * i; j <= n; j += i) comp[static_cast<size_t>(j)] = true;
    }
    return primes;
}

// Difficulty 1: integers divisible by a or b but not by c.
void divisible_count(Rng& rng, Problem& p) {
    const int64_t n = rng.range(200000, 1000000), a = rng.range(3, 9), b = rng.range(10, 19), c = rng.range(20, 40);
    int64_t with = 0, without = 0;
    for (int64_t i = 1; i <= n; ++i)
        if (i % a == 0 || i % b == 0) {
            ++without;
            if (i % c != 0) ++with;
        }
    p.question = "How many integers from 1 to " + num(n) + " are divisible by " + num(a) + " or by " + num(b) + ", but not by " + num(c) +
                 "?";
    p.answer = num(with);
    p.off_by_one = num(with + 1);
    p.dropped_filter = num(without);
    p.reference_code = "print(sum(1 for i in range(1, " + num(n + 1) + ") if (i % " + num(a) + " == 0 or i % " + num(b) +
                       " == 0) and i % " + num(c) + " != 0))\n";
}

// Difficulty 2: the sum of the primes in one residue class.
void prime_residue_sum(Rng& rng, Problem& p) {
    const int n = static_cast<int>(rng.range(100000, 400000)), m = static_cast<int>(rng.range(3, 7));
    const int r = static_cast<int>(rng.range(1, m - 1));
    int64_t sum = 0, all = 0;
    for (int q : sieve_primes(n)) {
        all += q;
        if (q % m == r) sum += q;
    }
    p.question = "What is the sum of all primes p <= " + num(n) + " with p mod " + num(m) + " = " + num(r) + "?";
    p.answer = num(sum);
    p.off_by_one = num(sum + 1);
    p.dropped_filter = num(all);
    p.reference_code = "n = " + num(n) +
                       "\nsieve = bytearray([1]) * (n + 1)\nsieve[0] = sieve[1] = 0\n"
                       "for i in range(2, int(n ** 0.5) + 1):\n    if sieve[i]:\n        sieve[i*i::i] = bytearray(len(sieve[i*i::i]))\n"
                       "print(sum(p for p in range(n + 1) if sieve[p] and p % " +
                       num(m) + " == " + num(r) + "))\n";
}

// Difficulty 3: integers of a given digit sum divisible by dv.
void digit_sum_count(Rng& rng, Problem& p) {
    // Not 3 or 9: divisibility by those follows from the digit sum, which would make the
    // divisibility condition a no-op.
    const int64_t divisors[] = {4, 6, 7, 8, 11, 12, 13};
    const int64_t n = rng.range(300000, 1000000), s = rng.range(15, 30), dv = rng.pick(divisors);
    int64_t with = 0, without = 0;
    for (int64_t i = 1; i <= n; ++i) {
        int64_t ds = 0;
        for (int64_t x = i; x; x /= 10) ds += x % 10;
        if (ds == s) {
            ++without;
            if (i % dv == 0) ++with;
        }
    }
    p.question = "How many integers from 1 to " + num(n) + " have digit sum " + num(s) + " and are divisible by " + num(dv) + "?";
    p.answer = num(with);
    p.off_by_one = num(with + 1);
    p.dropped_filter = num(without == with ? with + 5 : without);
    p.reference_code = "print(sum(1 for i in range(1, " + num(n + 1) + ") if i % " + num(dv) +
                       " == 0 and sum(map(int, str(i))) == " + num(s) + "))\n";
}

// Difficulty 4: integers with exactly k distinct prime factors.
void distinct_prime_factors(Rng& rng, Problem& p) {
    const int n = static_cast<int>(rng.range(100000, 500000)), k = static_cast<int>(rng.range(2, 4));
    std::vector<uint8_t> omega(static_cast<size_t>(n) + 1, 0);
    for (int q : sieve_primes(n))
        for (int j = q; j <= n; j += q) ++omega[static_cast<size_t>(j)];
    int64_t exact = 0, at_least = 0;
    for (int i = 1; i <= n; ++i) {
        exact += omega[static_cast<size_t>(i)] == k;
        at_least += omega[static_cast<size_t>(i)] >= k;
    }
    p.question = "How many integers from 1 to " + num(n) + " have exactly " + num(k) + " distinct prime factors?";
    p.answer = num(exact);
    p.off_by_one = num(exact + 1);
    p.dropped_filter = num(at_least);
    p.reference_code = "n = " + num(n) +
                       "\nomega = [0] * (n + 1)\nfor p in range(2, n + 1):\n    if omega[p] == 0:\n"
                       "        for j in range(p, n + 1, p):\n            omega[j] += 1\n"
                       "print(sum(1 for i in range(1, n + 1) if omega[i] == " +
                       num(k) + "))\n";
}

// Difficulty 5: monotone lattice paths avoiding blocked points, modulo 1e9+7.
void lattice_paths(Rng& rng, Problem& p) {
    // Monotone lattice paths avoiding blocked points, modulo 1e9+7.
    const int w = static_cast<int>(rng.range(40, 90)), h = static_cast<int>(rng.range(40, 90));
    const int m = static_cast<int>(rng.range(7, 13)), r = static_cast<int>(rng.range(1, m - 1));
    const int64_t mod = 1000000007;
    auto count = [&](bool obstacles) {
        std::vector<std::vector<int64_t>> dp(static_cast<size_t>(w) + 1, std::vector<int64_t>(static_cast<size_t>(h) + 1, 0));
        for (int x = 0; x <= w; ++x)
            for (int y = 0; y <= h; ++y) {
                if (obstacles && (x * y) % m == r && !(x == w && y == h)) continue;
                if (x == 0 && y == 0) dp[0][0] = 1;
                else
                    dp[static_cast<size_t>(x)][static_cast<size_t>(y)] = ((x ? dp[static_cast<size_t>(x - 1)][static_cast<size_t>(y)] : 0) +
                                                                          (y ? dp[static_cast<size_t>(x)][static_cast<size_t>(y - 1)]
                                                                             : 0)) %
                                                                         mod;
            }
        return dp[static_cast<size_t>(w)][static_cast<size_t>(h)];
    };
    const int64_t with = count(true), without = count(false);
    p.question = "Count the paths from (0,0) to (" + num(w) + "," + num(h) +
                 ") that move one step right (x+1) or "
                 "up (y+1) at a time and never visit a point (x,y) with (x*y) mod " +
                 num(m) + " = " + num(r) + " (the end point is exempt). Give the count modulo 1000000007.";
    p.answer = num(with);
    p.off_by_one = num((with + 1) % mod);
    p.dropped_filter = num(without == with ? (with + 2) % mod : without);
    p.reference_code = "W, H, M, R, MOD = " + num(w) + ", " + num(h) + ", " + num(m) + ", " + num(r) +
                       ", 1000000007\n"
                       "dp = [[0] * (H + 1) for _ in range(W + 1)]\nfor x in range(W + 1):\n    for y in range(H + 1):\n"
                       "        if (x * y) % M == R and not (x == W and y == H):\n            continue\n"
                       "        dp[x][y] = 1 if x == 0 and y == 0 else ((dp[x-1][y] if x else 0) + (dp[x][y-1] if y else 0)) % MOD\n"
                       "print(dp[W][H])\n";
}

Problem number_problem(Rng& rng, int d) {
    Problem p;
    p.family = "number";
    p.answer_type = "int";
    using Make = void (*)(Rng&, Problem&);
    static const Make by_difficulty[] = {divisible_count, prime_residue_sum, digit_sum_count, distinct_prime_factors, lattice_paths};
    by_difficulty[std::clamp(d, 1, 5) - 1](rng, p);
    return p;
}

// ---------- simulations ----------

Problem simulation_problem(Rng& rng, int d) {
    Problem p;
    p.family = "simulation";
    p.answer_type = "int";
    if (d <= 2) {
        // A walk driven by a linear congruential generator.
        const int64_t a = 1103515245, c = 12345, m = 2147483648LL;
        const int64_t x0 = rng.range(1, 1000000), steps = d == 1 ? rng.range(1000, 5000) : rng.range(50000, 200000);
        const int64_t skip = rng.range(5, 9);
        int64_t x = x0, pos = 0, pos_all = 0;
        for (int64_t t = 0; t < steps; ++t) {
            x = (a * x + c) % m;
            const int64_t step = (x % 3 == 0) ? 2 : -1;
            pos_all += step;
            if (x % skip != 0) pos += step;
        }
        p.question = "Start with x = " + num(x0) + " and position 0. Repeat " + num(steps) +
                     " times: set x = (1103515245*x "
                     "+ 12345) mod 2^31; the step is +2 if x is divisible by 3, else -1; apply the step unless x is "
                     "divisible by " +
                     num(skip) + ". What is the final position?";
        p.answer = num(pos);
        p.off_by_one = num(pos + 1);
        p.dropped_filter = num(pos_all == pos ? pos + 3 : pos_all);
        p.reference_code = "x, pos = " + num(x0) + ", 0\nfor _ in range(" + num(steps) +
                           "):\n    x = (1103515245 * x + 12345) % 2**31\n"
                           "    step = 2 if x % 3 == 0 else -1\n    if x % " +
                           num(skip) + " != 0:\n        pos += step\nprint(pos)\n";
        return p;
    }
    // Collatz: the starting value in a range with the longest chain, only odd starts.
    const int64_t lo = rng.range(1, 50000), hi = lo + (d == 3   ? rng.range(10000, 30000)
                                                       : d == 4 ? rng.range(40000, 80000)
                                                                : rng.range(100000, 150000));
    auto steps = [](int64_t n) {
        int s = 0;
        while (n != 1) n = n % 2 ? 3 * n + 1 : n / 2, ++s;
        return s;
    };
    int64_t best = lo, best_all = lo;
    int bs = -1, bsa = -1;
    for (int64_t n = lo; n <= hi; ++n) {
        const int s = steps(n);
        if (s > bsa) bsa = s, best_all = n;
        if (n % 2 == 1 && s > bs) bs = s, best = n;
    }
    p.question = "Among the odd integers n with " + num(lo) + " <= n <= " + num(hi) +
                 ", which one needs the most Collatz "
                 "steps (n -> n/2 if even, 3n+1 if odd) to reach 1? If several tie, give the smallest.";
    p.answer = num(best);
    p.off_by_one = num(best + 2);
    p.dropped_filter = num(best_all == best ? best + 4 : best_all);
    p.reference_code =
        "def steps(n):\n    s = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        s += 1\n    return s\n"
        "best = max(range(" +
        num(lo % 2 ? lo : lo + 1) + ", " + num(hi + 1) + ", 2), key=lambda n: (steps(n), -n))\nprint(best)\n";
    return p;
}

}  // namespace

Problem make_problem(int family, uint64_t seed, int difficulty) {
    // Each stage draws from its own stream (generator version 2): a data problem's tables and its
    // question; a number or simulation problem is one stage (its parameters).
    switch (family % 3) {
        case 0: return data_problem(seed, difficulty);
        case 1: {
            Rng params = stage_rng(seed, "interp.number");
            return number_problem(params, difficulty);
        }
        default: {
            Rng params = stage_rng(seed, "interp.simulation");
            return simulation_problem(params, difficulty);
        }
    }
}

}  // namespace envforge::interp
