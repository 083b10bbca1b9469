// Retail orders: customers, products with inventory, orders, order items and returns, with
// state-changing tools (cancel, return, place order). The verifier checks the final database
// state — required changes made, nothing else touched — and the submitted order number.
#include <algorithm>
#include <map>
#include <set>

#include "envgen/general/general_env.hpp"
#include "envgen/general/world.hpp"

namespace envforge::general {

namespace {

const char* const kCategories[] = {"headphones",     "kettle",  "backpack", "desk lamp", "running shoes", "yoga mat",
                                   "coffee grinder", "monitor", "blender",  "umbrella",  "keyboard",      "water bottle"};
const char* const kReasons[] = {"damaged", "wrong_item", "not_needed", "defective"};
constexpr const char* kToday = "2026-06-15";

struct Product {
    int64_t id;
    std::string name, category;
    int64_t price, stock;
    int r10;
};

struct World {
    Rng* rng;  // the stage being drawn (draw_from)
    std::set<std::string> names;
    std::vector<Product> products;
    Table customers{"customers", {{"id", "INTEGER"}, {"name", "TEXT"}, {"email", "TEXT"}, {"city", "TEXT"}}, {}};
    Table orders{
        "orders", {{"id", "INTEGER"}, {"customer_id", "INTEGER"}, {"status", "TEXT"}, {"placed_on", "TEXT"}, {"total", "INTEGER"}}, {}};
    Table items{"order_items", {{"order_id", "INTEGER"}, {"product_id", "INTEGER"}, {"qty", "INTEGER"}, {"unit_price", "INTEGER"}}, {}};
    Table returns{
        "returns",
        {{"id", "INTEGER"}, {"order_id", "INTEGER"}, {"product_id", "INTEGER"}, {"qty", "INTEGER"}, {"reason", "TEXT"}, {"status", "TEXT"}},
        {}};
    int64_t next_order = 1001;
    int64_t next_return = 1;
    std::map<int64_t, std::vector<std::pair<int64_t, std::string>>> orders_of;  // customer -> (order, status)

    explicit World(Rng& r) : rng(&r) {}
    // Later draws come from `r`: each stage of a task has its own stream (stage_rng).
    void draw_from(Rng& r) { rng = &r; }

    int64_t add_product(const std::string& category, int64_t price, int64_t stock, int r10) {
        int64_t id = 101 + static_cast<int64_t>(products.size());
        std::string n = unique_name(*rng, names, brand_name) + " " + category + " " + std::to_string(rng->range(2, 9)) +
                        std::string(1, static_cast<char>('A' + rng->below(6)));
        products.push_back({id, n, category, price, stock, r10});
        return id;
    }
    const Product& product(int64_t id) const { return products[static_cast<size_t>(id - 101)]; }
    int64_t any_of(const std::string& category) {
        std::vector<int64_t> ids;
        for (const auto& p : products)
            if (p.category == category) ids.push_back(p.id);
        return rng->pick(ids);
    }
    int64_t any_not_of(const std::set<std::string>& avoid) {
        std::vector<int64_t> ids;
        for (const auto& p : products)
            if (!avoid.count(p.category)) ids.push_back(p.id);
        return rng->pick(ids);
    }
    int64_t add_order(int64_t customer, const std::string& status, const std::string& date,
                      const std::vector<std::pair<int64_t, int64_t>>& lines) {
        int64_t id = next_order++;
        int64_t total = 0;
        for (const auto& [pid, qty] : lines) {
            items.add({id, pid, qty, product(pid).price});
            total += qty * product(pid).price;
        }
        orders.add({id, customer, status, date, total});
        orders_of[customer].push_back({id, status});
        return id;
    }
    std::string past_date(int max_days_ago) { return date_string(day_number(2026, 6, 15) - rng->range(2, max_days_ago)); }
};

// One customer's request: the prompt sentences, the expected effects, and the tool calls.
struct Request {
    int64_t customer_id = 0;
    std::string email;
    std::vector<std::string> sentences;
    std::vector<int64_t> cancel;
    JsonArray returns;  // {order_id, product_id, qty, reason}
    int64_t buy_product = 0, buy_qty = 0;
    std::vector<int64_t> order_ids;  // the customer's orders, for the reference lookups
    std::string buy_category;
};

Request build_request(World& w, int64_t customer, const std::string& email, int d, std::vector<std::string> cats) {
    Request r;
    r.customer_id = customer;
    r.email = email;
    std::vector<int> kinds = {0, 1, 2};  // cancel, return, purchase
    w.rng->shuffle(kinds);
    const size_t k = d <= 1 ? 1 : d <= 3 ? 2 : 3;
    kinds.resize(k);
    std::sort(kinds.begin(), kinds.end());
    std::set<std::string> used(cats.begin(), cats.end());
    for (int kind : kinds) {
        const std::string cat = cats[static_cast<size_t>(kind)];
        if (kind == 0) {
            int n = d >= 3 ? 2 : 1;
            for (int i = 0; i < n; ++i) {
                std::vector<std::pair<int64_t, int64_t>> lines = {{w.any_of(cat), w.rng->range(1, 2)}};
                if (w.rng->chance(50)) lines.push_back({w.any_not_of(used), 1});
                r.cancel.push_back(w.add_order(customer, "pending", w.past_date(6), lines));
            }
            w.add_order(customer, "pending", w.past_date(6), {{w.any_not_of(used), 1}});
            if (d >= 2) w.add_order(customer, "shipped", w.past_date(10), {{w.any_of(cat), 1}});
            r.sentences.push_back(
                "Please cancel every order of mine that is still pending and "
                "contains a " +
                cat + ".");
        } else if (kind == 1) {
            int64_t pid = w.any_of(cat), qty = w.rng->range(1, 3);
            std::string date = w.past_date(40);
            int64_t oid = w.add_order(customer, "delivered", date, {{pid, qty}, {w.any_not_of(used), 1}});
            if (d >= 3) {
                std::string other = date;
                while (other == date) other = w.past_date(60);
                w.add_order(customer, "delivered", other, {{w.any_of(cat), 1}});
            }
            std::string reason = w.rng->pick(kReasons);
            r.returns.push_back(Json::object({{"order_id", oid}, {"product_id", pid}, {"qty", qty}, {"reason", reason}}));
            r.sentences.push_back("I want to return all of the " + cat +
                                  " units from my order "
                                  "placed on " +
                                  date + " (reason: " + reason + ").");
        } else {
            r.buy_category = cat;
            r.buy_qty = w.rng->range(1, 3);
            int min10 = static_cast<int>(w.rng->range(38, 44));
            int64_t price = w.rng->range(30, 120) * 5;
            r.buy_product = w.add_product(cat, price, w.rng->range(r.buy_qty, 25), static_cast<int>(w.rng->range(min10, 50)));
            // Cheaper but out of stock, cheaper but rated too low, and pricier qualifying ones.
            w.add_product(cat, price - w.rng->range(1, 10) * 5, w.rng->range(0, r.buy_qty - 1), static_cast<int>(w.rng->range(min10, 50)));
            w.add_product(cat, price - w.rng->range(1, 10) * 5, w.rng->range(5, 30), static_cast<int>(w.rng->range(25, min10 - 1)));
            for (int i = 0; i < d; ++i)
                w.add_product(cat, price + w.rng->range(1, 40) * 5, w.rng->range(0, 30), static_cast<int>(w.rng->range(25, 50)));
            std::string rating = std::to_string(min10 / 10) + "." + std::to_string(min10 % 10);
            r.sentences.push_back("Also order " + std::to_string(r.buy_qty) + " of the cheapest " + cat + " that is rated at least " +
                                  rating + " and has enough stock, and tell me the new order number.");
        }
    }
    for (const auto& [oid, status] : w.orders_of[customer]) r.order_ids.push_back(oid);
    return r;
}

std::vector<ScriptTurn> request_script(const Request& r, int64_t new_order_id) {
    std::vector<ScriptTurn> s;
    s.push_back({"Find the customer.", {{"find_customer", Json::object({{"email", r.email}})}}});
    s.push_back({"List their orders.", {{"list_orders", Json::object({{"customer_id", r.customer_id}})}}});
    ScriptTurn look{"Inspect the orders.", {}};
    for (int64_t oid : r.order_ids) look.calls.push_back({"get_order", Json::object({{"order_id", oid}})});
    if (r.buy_product) look.calls.push_back({"search_products", Json::object({{"category", r.buy_category}})});
    s.push_back(std::move(look));
    ScriptTurn act{"Make the changes.", {}};
    for (int64_t oid : r.cancel) act.calls.push_back({"cancel_order", Json::object({{"order_id", oid}})});
    for (const auto& ret : r.returns) act.calls.push_back({"create_return", ret});
    if (r.buy_product) {
        JsonArray lines;
        lines.push_back(Json::object({{"product_id", r.buy_product}, {"qty", r.buy_qty}}));
        act.calls.push_back({"place_order", Json::object({{"customer_id", r.customer_id}, {"items", Json(std::move(lines))}})});
    }
    s.push_back(std::move(act));
    Json answer = Json::object();
    answer.set("new_order_id", r.buy_product ? Json(new_order_id) : Json());
    s.push_back({"Done.", {{"submit_result", answer}}});
    return s;
}

std::vector<ToolSpec> retail_tools(int d) {
    std::vector<ToolSpec> t;
    t.push_back(sql_tool("find_customer", "Look up a customer by email.", object_schema({{"email", str_prop("email address")}}, {"email"}),
                         "SELECT id, name, email, city FROM customers WHERE email = :email", "row", "no customer with email '{email}'"));
    t.push_back(sql_tool("list_orders", "A customer's orders (id, status, date, total).",
                         object_schema({{"customer_id", int_prop("customer id")}}, {"customer_id"}),
                         "SELECT id, status, placed_on, total FROM orders WHERE customer_id = :customer_id ORDER BY id"));
    t.push_back(op_tool("get_order", "One order with its items (product, category, quantity, price).",
                        object_schema({{"order_id", int_prop("order id")}}, {"order_id"}), "get_order"));
    t.push_back(sql_tool("search_products", "Products of a category with price, stock and rating.",
                         object_schema({{"category", str_prop("product category")}}, {"category"}),
                         "SELECT id, name, price, stock, rating FROM products WHERE category = :category ORDER BY id"));
    t.push_back(op_tool("cancel_order", "Cancel a pending order; its items go back into stock.",
                        object_schema({{"order_id", int_prop("order id")}}, {"order_id"}), "cancel_order"));
    std::vector<std::string> reasons(std::begin(kReasons), std::end(kReasons));
    t.push_back(op_tool("create_return", "Request a return for units of a delivered order.",
                        object_schema({{"order_id", int_prop("order id")},
                                       {"product_id", int_prop("product id")},
                                       {"qty", Json::object({{"type", "integer"}, {"minimum", 1}})},
                                       {"reason", enum_prop("why", reasons)}},
                                      {"order_id", "product_id", "qty", "reason"}),
                        "create_return"));
    Json line = object_schema({{"product_id", int_prop("product id")}, {"qty", Json::object({{"type", "integer"}, {"minimum", 1}})}},
                              {"product_id", "qty"});
    t.push_back(op_tool("place_order", "Place a new order for a customer; takes the items from stock.",
                        object_schema({{"customer_id", int_prop("customer id")},
                                       {"items", Json::object({{"type", "array"}, {"items", line}, {"minItems", 1}})}},
                                      {"customer_id", "items"}),
                        "place_order"));
    if (d >= 3) {
        t.push_back(sql_tool("get_product", "One product by id.", object_schema({{"product_id", int_prop("product id")}}, {"product_id"}),
                             "SELECT id, name, category, price, stock, rating FROM products WHERE id = :product_id", "row",
                             "no product {product_id}"));
        t.push_back(
            op_tool("update_address", "Change a customer's city.",
                    object_schema({{"customer_id", int_prop("customer id")}, {"city", str_prop("new city")}}, {"customer_id", "city"}),
                    "update_address"));
    }
    t.push_back(submit_tool("Finish: report the new order number, or null when no order was placed.",
                            object_schema({{"new_order_id", Json::object({{"type", JsonArray{Json("integer"), Json("null")}}})}}, {})));
    return t;
}

// The catalog: categories in a random order (the first three the customer's, the next three the
// other request's), and products in each.
std::vector<std::string> draw_catalog(World& w, int d) {
    std::vector<std::string> cats(std::begin(kCategories), std::end(kCategories));
    w.rng->shuffle(cats);
    for (const auto& c : cats) {
        int n = static_cast<int>(w.rng->range(2, 2 + d));
        for (int i = 0; i < n; ++i) w.add_product(c, w.rng->range(6, 80) * 5, w.rng->range(0, 40), static_cast<int>(w.rng->range(25, 50)));
    }
    return cats;
}

// The customers, with their e-mail addresses (by id - 1).
std::vector<std::string> draw_customers(World& w, int n_customers) {
    const char* const towns[] = {"Harrowgate", "Lindqvist", "Porthmere", "Saltreach", "Vennick"};
    std::vector<std::string> emails;
    for (int i = 1; i <= n_customers; ++i) {
        std::string name = unique_name(*w.rng, w.names, person_name);
        std::string email;
        for (char ch : name) email += ch == ' ' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        email += std::to_string(w.rng->range(1, 99)) + "@example.com";
        emails.push_back(email);
        w.customers.add({int64_t{i}, name, email, w.rng->pick(towns)});
    }
    return emails;
}

// Background orders for everyone else; the two request customers get only built orders.
void draw_history(World& w, int n_customers, int64_t target, int64_t sibling) {
    const char* const statuses[] = {"pending", "shipped", "delivered", "cancelled"};
    for (int64_t c = 1; c <= n_customers; ++c) {
        if (c == target || c == sibling) continue;
        for (int64_t k = w.rng->range(1, 3); k > 0; --k)
            w.add_order(c, w.rng->pick(statuses), w.past_date(90), {{w.any_not_of({}), w.rng->range(1, 3)}});
    }
}

}  // namespace

// Generator version 2: each stage (catalog, customers, parties, history, requests) draws from its
// own stream, so a stage can change without moving what the others make.
Task synthesize_retail(uint64_t seed, int d) {
    Rng catalog = stage_rng(seed, "retail.catalog"), people = stage_rng(seed, "retail.customers");
    Rng parties = stage_rng(seed, "retail.parties"), history = stage_rng(seed, "retail.history");
    Rng requests = stage_rng(seed, "retail.requests");
    World w(catalog);
    const std::vector<std::string> cats = draw_catalog(w, d);
    const int n_customers = 4 + 3 * d;
    w.draw_from(people);
    const std::vector<std::string> emails = draw_customers(w, n_customers);
    const int64_t target = parties.range(1, n_customers);
    int64_t sibling = parties.range(1, n_customers - 1);
    if (sibling >= target) ++sibling;
    w.draw_from(history);
    draw_history(w, n_customers, target, sibling);
    w.draw_from(requests);
    std::vector<std::string> mine(cats.begin(), cats.begin() + 3), theirs(cats.begin() + 3, cats.begin() + 6);
    Request req = build_request(w, target, emails[static_cast<size_t>(target - 1)], d, mine);
    Request other = build_request(w, sibling, emails[static_cast<size_t>(sibling - 1)], d, theirs);
    for (int i = 0; i < d; ++i)  // a few old returns, so new ones must be told apart by id
        w.returns.add({w.next_return++, int64_t{1001 + i}, int64_t{101}, int64_t{1}, "not_needed", "received"});

    Table products{
        "products",
        {{"id", "INTEGER"}, {"name", "TEXT"}, {"category", "TEXT"}, {"price", "INTEGER"}, {"stock", "INTEGER"}, {"rating", "REAL"}},
        {}};
    for (const auto& p : w.products) products.add({p.id, p.name, p.category, p.price, p.stock, p.r10 / 10.0});
    Table meta{"meta", {{"key", "TEXT"}, {"value", "TEXT"}}, {}};
    meta.add({"today", kToday});

    Task t = general_task("retail", seed, d);
    t.generator_version = "2";  // 2: each stage draws from its own stream (stage_rng)
    t.system =
        "You are a customer-support agent for an online shop. Act only through the tools, "
        "change nothing the customer did not ask for, and call submit_result when done.";
    t.prompt = "Hi, this is " + req.email + ".";
    for (const auto& s : req.sentences) t.prompt += " " + s;
    t.tools = retail_tools(d);
    t.env = domain_env("retail", {&w.customers, &products, &w.orders, &w.items, &w.returns, &meta});
    JsonArray cancel;
    for (int64_t id : req.cancel) cancel.emplace_back(id);
    Json purchase = req.buy_product ? Json::object({{"product_id", req.buy_product}, {"qty", req.buy_qty}}) : Json();
    t.verifier = Json::object({{"type", "retail"},
                               {"customer_id", req.customer_id},
                               {"cancel", Json(std::move(cancel))},
                               {"returns", Json(req.returns)},
                               {"purchase", purchase}});
    const int64_t new_id = w.next_order;
    std::vector<ScriptTurn> script = request_script(req, new_id);
    // Probes: the reference with its last change left out; the right actions for another customer.
    std::vector<ScriptTurn> broken = script;
    broken[3].calls.pop_back();
    if (broken[3].calls.empty()) broken.erase(broken.begin() + 3);
    JsonArray probes;
    probes.push_back(Json::object({{"name", "broken_missing_change"}, {"expect_pass", false}, {"turns", script_to_json(broken)}}));
    probes.push_back(Json::object(
        {{"name", "other_request_other_customer"}, {"expect_pass", false}, {"turns", script_to_json(request_script(other, new_id))}}));
    t.reference = reference_json(script_to_json(script), script.back().calls[0].arguments, std::move(probes));
    t.limits.max_turns = 12 + 3 * d;
    t.limits.max_tool_calls = 40 + 10 * d;
    t.finalize();
    return t;
}

namespace {

std::string order_status(SqliteDb& db, int64_t id) {
    SqliteStmt q(db, "SELECT status FROM orders WHERE id = ?");
    q.bind(1, id);
    return q.step() ? q.text(0) : "";
}

}  // namespace

namespace {

ToolResult ok(const Json& j) { return ToolResult{j.dump(), false, false, Json()}; }

// An order with its lines.
ToolResult get_order(SqliteDb& db, const Json& a) {
    int64_t id = a.get_int("order_id");
    auto head = query_objects(db, "SELECT id, customer_id, status, placed_on, total FROM orders WHERE id = " + std::to_string(id));
    if (head.empty()) return ToolResult::error("no order " + std::to_string(id));
    JsonArray lines;
    for (auto& row : query_objects(db,
                                   "SELECT i.product_id, p.name, p.category, i.qty, i.unit_price FROM order_items i "
                                   "JOIN products p ON p.id = i.product_id WHERE i.order_id = " +
                                       std::to_string(id) + " ORDER BY i.rowid"))
        lines.push_back(std::move(row));
    head[0].set("items", Json(std::move(lines)));
    return ok(head[0]);
}

// Cancels a pending order and puts its units back in stock.
ToolResult cancel_order(SqliteDb& db, const Json& a) {
    int64_t id = a.get_int("order_id");
    std::string status = order_status(db, id);
    if (status.empty()) return ToolResult::error("no order " + std::to_string(id));
    if (status != "pending")
        return ToolResult::error("order " + std::to_string(id) + " is " + status + "; only pending orders can be cancelled");
    db.exec("UPDATE orders SET status = 'cancelled' WHERE id = " + std::to_string(id));
    db.exec(
        "UPDATE products SET stock = stock + (SELECT sum(qty) FROM order_items i WHERE "
        "i.order_id = " +
        std::to_string(id) +
        " AND i.product_id = products.id) WHERE id IN "
        "(SELECT product_id FROM order_items WHERE order_id = " +
        std::to_string(id) + ")");
    return ok(Json::object({{"order_id", id}, {"status", "cancelled"}}));
}

// A return of units of a delivered order, at most what was bought and not yet returned.
ToolResult create_return(SqliteDb& db, const Json& a) {
    int64_t oid = a.get_int("order_id"), pid = a.get_int("product_id"), qty = a.get_int("qty");
    std::string status = order_status(db, oid);
    if (status.empty()) return ToolResult::error("no order " + std::to_string(oid));
    if (status != "delivered")
        return ToolResult::error("order " + std::to_string(oid) + " is " + status + "; only delivered orders can be returned");
    SqliteStmt bought(db, "SELECT coalesce(sum(qty),0) FROM order_items WHERE order_id=? AND product_id=?");
    bought.bind(1, oid).bind(2, pid);
    bought.step();
    SqliteStmt back(db, "SELECT coalesce(sum(qty),0) FROM returns WHERE order_id=? AND product_id=?");
    back.bind(1, oid).bind(2, pid);
    back.step();
    int64_t left = bought.int64(0) - back.int64(0);
    if (bought.int64(0) == 0) return ToolResult::error("product " + std::to_string(pid) + " is not in order " + std::to_string(oid));
    if (qty > left)
        return ToolResult::error("only " + std::to_string(left) + " unit(s) of product " + std::to_string(pid) + " can still be returned");
    SqliteStmt ins(db, "INSERT INTO returns VALUES((SELECT coalesce(max(id),0)+1 FROM returns),?,?,?,?,'requested')");
    ins.bind(1, oid).bind(2, pid).bind(3, qty).bind(4, a.get_string("reason"));
    ins.run();
    SqliteStmt id(db, "SELECT max(id) FROM returns");
    id.step();
    return ok(Json::object({{"return_id", id.int64(0)}, {"status", "requested"}}));
}

// A new pending order at today's prices, when every product has the stock.
ToolResult place_order(SqliteDb& db, const Json& a) {
    int64_t cid = a.get_int("customer_id");
    SqliteStmt cust(db, "SELECT 1 FROM customers WHERE id = ?");
    cust.bind(1, cid);
    if (!cust.step()) return ToolResult::error("no customer " + std::to_string(cid));
    int64_t total = 0;
    std::map<int64_t, int64_t> want;
    for (const auto& line : a.at("items").as_array()) want[line.get_int("product_id")] += line.get_int("qty");
    for (const auto& [pid, qty] : want) {
        SqliteStmt p(db, "SELECT price, stock FROM products WHERE id = ?");
        p.bind(1, pid);
        if (!p.step()) return ToolResult::error("no product " + std::to_string(pid));
        if (p.int64(1) < qty)
            return ToolResult::error("product " + std::to_string(pid) + " has only " + std::to_string(p.int64(1)) + " in stock");
        total += p.int64(0) * qty;
    }
    SqliteStmt next(db, "SELECT max(id)+1 FROM orders");
    next.step();
    int64_t oid = next.int64(0);
    SqliteStmt today(db, "SELECT value FROM meta WHERE key='today'");
    today.step();
    SqliteStmt ins(db, "INSERT INTO orders VALUES(?,?,'pending',?,?)");
    ins.bind(1, oid).bind(2, cid).bind(3, today.text(0)).bind(4, total);
    ins.run();
    for (const auto& line : a.at("items").as_array()) {
        SqliteStmt li(db, "INSERT INTO order_items SELECT ?, id, ?, price FROM products WHERE id = ?");
        li.bind(1, oid).bind(2, line.get_int("qty")).bind(3, line.get_int("product_id"));
        li.run();
        SqliteStmt st(db, "UPDATE products SET stock = stock - ? WHERE id = ?");
        st.bind(1, line.get_int("qty")).bind(2, line.get_int("product_id"));
        st.run();
    }
    return ok(Json::object({{"order_id", oid}, {"status", "pending"}, {"total", total}}));
}

// A customer's new city.
ToolResult update_address(SqliteDb& db, const Json& a) {
    SqliteStmt up(db, "UPDATE customers SET city = ? WHERE id = ?");
    up.bind(1, a.get_string("city")).bind(2, a.get_int("customer_id"));
    up.run();
    if (db.changes() == 0) return ToolResult::error("no customer " + std::to_string(a.get_int("customer_id")));
    return ok(Json::object({{"customer_id", a.get_int("customer_id")}, {"city", a.get_string("city")}}));
}

}  // namespace

ToolResult retail_op(SqliteDb& db, const std::string& op, const Json& a) {
    static const std::map<std::string, ToolResult (*)(SqliteDb&, const Json&)> ops = {{"get_order", get_order},
                                                                                      {"cancel_order", cancel_order},
                                                                                      {"create_return", create_return},
                                                                                      {"place_order", place_order},
                                                                                      {"update_address", update_address}};
    const auto it = ops.find(op);
    return it == ops.end() ? ToolResult::error("unknown operation '" + op + "'") : it->second(db, a);
}

Verdict verify_retail(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer) {
    Checks c;
    const Json& v = task.verifier;
    std::set<int64_t> cancel;
    for (const auto& id : v.at("cancel").as_array()) cancel.insert(id.as_int());

    // Orders that existed: only the requested cancellations may change a status.
    int64_t max_order = 0;
    std::map<int64_t, int64_t> stock_expected;
    for (const auto& p : table_objects(env, "products")) stock_expected[p.get_int("id")] = p.get_int("stock");
    std::string wrong;
    for (const auto& o : table_objects(env, "orders")) {
        int64_t id = o.get_int("id");
        max_order = std::max(max_order, id);
        std::string want = cancel.count(id) ? "cancelled" : o.get_string("status");
        std::string got = order_status(db, id);
        if (got != want) wrong += std::to_string(id) + " is " + got + " (expected " + want + "); ";
    }
    for (const auto& it : table_objects(env, "order_items"))
        if (cancel.count(it.get_int("order_id"))) stock_expected[it.get_int("product_id")] += it.get_int("qty");
    c.add("order statuses", wrong.empty(), wrong);

    // Returns created.
    int64_t max_return = 0;
    for (const auto& r : table_objects(env, "returns")) max_return = std::max(max_return, r.get_int("id"));
    std::multiset<std::string> want_returns, got_returns;
    for (const auto& r : v.at("returns").as_array())
        want_returns.insert(
            Json::object(
                {{"order_id", r.at("order_id")}, {"product_id", r.at("product_id")}, {"qty", r.at("qty")}, {"reason", r.at("reason")}})
                .dump());
    for (const auto& r :
         query_objects(db, "SELECT order_id, product_id, qty, reason FROM returns WHERE id > " + std::to_string(max_return)))
        got_returns.insert(r.dump());
    c.add("returns", want_returns == got_returns,
          std::to_string(got_returns.size()) + " new return(s), expected " + std::to_string(want_returns.size()));

    // New orders: exactly the requested purchase, if any.
    auto new_orders = query_objects(db, "SELECT id, customer_id FROM orders WHERE id > " + std::to_string(max_order));
    const Json& purchase = v.at("purchase");
    int64_t new_id = 0;
    if (purchase.is_null()) {
        c.add("no new orders", new_orders.empty(), std::to_string(new_orders.size()) + " placed");
    } else {
        bool one = new_orders.size() == 1 && new_orders[0].get_int("customer_id") == v.get_int("customer_id");
        if (one) {
            new_id = new_orders[0].get_int("id");
            auto lines = query_objects(db, "SELECT product_id, qty FROM order_items WHERE order_id = " + std::to_string(new_id));
            one = lines.size() == 1 && lines[0].get_int("product_id") == purchase.get_int("product_id") &&
                  lines[0].get_int("qty") == purchase.get_int("qty");
            stock_expected[purchase.get_int("product_id")] -= purchase.get_int("qty");
        }
        c.add("purchase", one, std::to_string(new_orders.size()) + " new order(s)");
        const Json* got = answer.find("new_order_id");
        c.add("reported order number", got && got->is_int() && got->as_int() == new_id && new_id != 0, got ? got->dump() : "missing");
    }
    std::string stock_diff;
    for (const auto& p : query_objects(db, "SELECT id, stock FROM products"))
        if (stock_expected[p.get_int("id")] != p.get_int("stock")) stock_diff += std::to_string(p.get_int("id")) + " ";
    c.add("stock levels", stock_diff.empty(), stock_diff.empty() ? "" : "wrong stock for products " + stock_diff);
    std::string moved;
    auto final_customers = query_objects(db, "SELECT id, city FROM customers ORDER BY id");
    auto orig_customers = table_objects(env, "customers");
    for (size_t i = 0; i < orig_customers.size() && i < final_customers.size(); ++i)
        if (orig_customers[i].get_string("city") != final_customers[i].get_string("city"))
            moved += std::to_string(orig_customers[i].get_int("id")) + " ";
    c.add("customer records unchanged", moved.empty(), moved);
    return c.verdict();
}

}  // namespace envforge::general
