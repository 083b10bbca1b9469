// Trip planning (DeepSeek-V3.2's general-agent example): cities, hotels, restaurants,
// attractions, transport and weather; a multi-day plan with no repeated city or POI, budgets
// that branch on the chosen hotel's price, rating thresholds, connections and weather.
// Solvable by construction: a satisfying plan is built first and the thresholds derived from it.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "envgen/general/general_env.hpp"
#include "envgen/general/world.hpp"

namespace envforge::general {

namespace {

constexpr int kHighTier = 800;  // hotel price from which the strictest day rules apply
constexpr int kMidTier = 500;
const char* const kBadWeather[] = {"rain", "storm"};

struct Rules {
    int days = 2;
    bool connected = false;
    bool weather = false;
    int min_attraction10 = 0;    // rating x10; 0 = no rule
    int hotel_total_max = 0;     // 0 = no rule
    std::vector<int> rule_days;  // 1-based days where the hotel-tier rules apply
    int high_meals_max = 0, high_meal_min10 = 0, high_ticket_max = 0;
    int mid_meal_min10 = 0, mid_ticket_max = 0;
    int low_meal_min10 = 0;
};

struct DayPlan {
    std::string city, date, hotel, lunch, attraction, dinner;
    Json to_json(int day) const {
        return Json::object({{"day", day},
                             {"city", city},
                             {"hotel", hotel},
                             {"afternoon_restaurant", lunch},
                             {"afternoon_attraction", attraction},
                             {"evening_restaurant", dinner}});
    }
};

int round_to(int64_t v, int step) { return static_cast<int>(v / step * step); }
double rating(int r10) { return r10 / 10.0; }
std::string fmt_rating(int r10) { return std::to_string(r10 / 10) + "." + std::to_string(r10 % 10); }

Json rules_json(const Rules& r) {
    JsonArray days;
    for (int d : r.rule_days) days.emplace_back(d);
    return Json::object({{"connected", r.connected},
                         {"weather", r.weather},
                         {"min_attraction_rating", rating(r.min_attraction10)},
                         {"hotel_total_max", r.hotel_total_max},
                         {"rule_days", Json(std::move(days))},
                         {"high_tier", kHighTier},
                         {"mid_tier", kMidTier},
                         {"high_meals_max", r.high_meals_max},
                         {"high_meal_min_rating", rating(r.high_meal_min10)},
                         {"high_ticket_max", r.high_ticket_max},
                         {"mid_meal_min_rating", rating(r.mid_meal_min10)},
                         {"mid_ticket_max", r.mid_ticket_max},
                         {"low_meal_min_rating", rating(r.low_meal_min10)}});
}

std::string prompt_text(const std::string& origin, const std::string& start, const Rules& r) {
    std::string s = "I'm leaving from " + origin + " on " + start + " for a " + std::to_string(r.days) +
                    "-day trip. Each day I stay in a different city (never " + origin +
                    " itself), and for each day I need a hotel, an afternoon restaurant, an "
                    "afternoon attraction and an evening restaurant, all in that day's city. Never "
                    "repeat a city, hotel, restaurant or attraction.";
    if (r.connected)
        s += " Each day's city must have a direct connection from the previous day's city (day 1 "
             "from " +
             origin + ").";
    if (r.weather) s += " Avoid any city that has rain or a storm forecast on the day I'm there.";
    if (r.min_attraction10) s += " Every attraction must be rated at least " + fmt_rating(r.min_attraction10) + ".";
    if (r.hotel_total_max) s += " The hotels together must cost no more than " + std::to_string(r.hotel_total_max) + " CNY.";
    std::string which;
    if (r.rule_days.size() == 1) which = "On day " + std::to_string(r.rule_days[0]);
    else which = "On every day";
    s += " " + which + ", the rules depend on that day's hotel price: if it costs " + std::to_string(kHighTier) +
         " CNY or more, lunch plus dinner must cost less than " + std::to_string(r.high_meals_max) +
         " CNY per person, both restaurants must be rated at "
         "least " +
         fmt_rating(r.high_meal_min10) + ", and the attraction ticket must be under " + std::to_string(r.high_ticket_max) +
         " CNY; if it costs " + std::to_string(kMidTier) + "-" + std::to_string(kHighTier - 1) +
         " CNY, at least one of the two restaurants must be rated "
         "at least " +
         fmt_rating(r.mid_meal_min10) + " and the ticket must be under " + std::to_string(r.mid_ticket_max) +
         " CNY; if it costs less than " + std::to_string(kMidTier) + " CNY, at least one restaurant must be rated at least " +
         fmt_rating(r.low_meal_min10) + ". Submit the plan with submit_result.";
    return s;
}

std::vector<ToolSpec> trip_tools(int difficulty, int days) {
    const bool infos = difficulty >= 3;
    const Json city_arg = object_schema({{"city", str_prop("city name")}}, {"city"});
    const Json name_arg = object_schema({{"name", str_prop("exact name")}}, {"name"});
    std::vector<ToolSpec> t;
    t.push_back(sql_tool("get_all_cities", "List every city with its region.", object_schema({}, {}),
                         "SELECT name, region FROM cities ORDER BY name"));
    if (infos) {
        t.push_back(sql_tool("get_all_hotels_by_city", "Names of the hotels in a city.", city_arg,
                             "SELECT name FROM hotels WHERE city = :city ORDER BY name"));
        t.push_back(sql_tool("get_all_restaurants_by_city", "Names of the restaurants in a city.", city_arg,
                             "SELECT name FROM restaurants WHERE city = :city ORDER BY name"));
        t.push_back(sql_tool("get_all_attractions_by_city", "Names of the attractions in a city.", city_arg,
                             "SELECT name FROM attractions WHERE city = :city ORDER BY name"));
        t.push_back(sql_tool("get_infos_by_hotel", "Price per night (CNY), rating and stars of a hotel.", name_arg,
                             "SELECT name, city, price, rating, stars FROM hotels WHERE name = :name", "row", "no hotel named '{name}'"));
        t.push_back(sql_tool("get_infos_by_restaurant", "Average price per person (CNY), cuisine and rating of a restaurant.", name_arg,
                             "SELECT name, city, cuisine, avg_price, rating FROM restaurants WHERE name = :name", "row",
                             "no restaurant named '{name}'"));
        t.push_back(sql_tool("get_infos_by_attraction", "Ticket price (CNY), category and rating of an attraction.", name_arg,
                             "SELECT name, city, category, ticket, rating FROM attractions WHERE name = :name", "row",
                             "no attraction named '{name}'"));
    } else {
        t.push_back(sql_tool("get_all_hotels_by_city", "Hotels in a city with price per night (CNY) and rating.", city_arg,
                             "SELECT name, price, rating, stars FROM hotels WHERE city = :city ORDER BY name"));
        t.push_back(sql_tool("get_all_restaurants_by_city", "Restaurants in a city with average price per person (CNY) and rating.",
                             city_arg, "SELECT name, cuisine, avg_price, rating FROM restaurants WHERE city = :city ORDER BY name"));
        t.push_back(sql_tool("get_all_attractions_by_city", "Attractions in a city with ticket price (CNY) and rating.", city_arg,
                             "SELECT name, category, ticket, rating FROM attractions WHERE city = :city ORDER BY name"));
    }
    t.push_back(sql_tool(
        "get_inter_city_transport", "Direct connections between two cities.",
        object_schema({{"from_city", str_prop("departure city")}, {"to_city", str_prop("arrival city")}}, {"from_city", "to_city"}),
        "SELECT mode, price, minutes FROM transport WHERE from_city = :from_city AND "
        "to_city = :to_city ORDER BY mode"));
    t.push_back(sql_tool("get_weather_by_city_date", "Forecast for a city on a date (YYYY-MM-DD).",
                         object_schema({{"city", str_prop("city name")}, {"date", str_prop("YYYY-MM-DD")}}, {"city", "date"}),
                         "SELECT city, date, condition, high_c FROM weather WHERE city = :city AND date = :date", "row",
                         "no forecast for {city} on {date}"));
    if (difficulty >= 4) {
        t.push_back(sql_tool("get_city_by_hotel", "The city a hotel is in.", name_arg, "SELECT city FROM hotels WHERE name = :name", "row",
                             "no hotel named '{name}'"));
        t.push_back(sql_tool("get_city_by_attraction", "The city an attraction is in.", name_arg,
                             "SELECT city FROM attractions WHERE name = :name", "row", "no attraction named '{name}'"));
        t.push_back(sql_tool("get_city_transport", "Local transport options inside a city.", city_arg,
                             "SELECT mode, day_pass FROM local_transport WHERE city = :city ORDER BY mode"));
    }
    Json item = object_schema({{"day", int_prop("1-based day number")},
                               {"city", str_prop("the day's city")},
                               {"hotel", str_prop("hotel name")},
                               {"afternoon_restaurant", str_prop("restaurant name")},
                               {"afternoon_attraction", str_prop("attraction name")},
                               {"evening_restaurant", str_prop("restaurant name")}},
                              {"day", "city", "hotel", "afternoon_restaurant", "afternoon_attraction", "evening_restaurant"});
    Json plan = Json::object(
        {{"type", "array"}, {"description", "one entry per day, in order"}, {"items", item}, {"minItems", 1}, {"maxItems", days + 3}});
    t.push_back(submit_tool("Submit the final plan.", object_schema({{"plan", plan}}, {"plan"})));
    return t;
}

}  // namespace

namespace {

const char* const kRegions[] = {"North Coast", "Lake District", "Highlands", "River Delta", "Eastern Plains"};
const char* const kCuisines[] = {"noodles", "seafood", "hotpot", "vegetarian", "barbecue", "dumplings", "fusion", "tea house"};
const char* const kCategories[] = {"museum", "park", "temple", "gallery", "garden", "tower", "market", "old town"};
const char* const kHotelWords[] = {"Lodge", "Inn", "Residence", "Suites", "Hotel", "House"};
const char* const kRestWords[] = {"Kitchen", "Table", "Bistro", "Canteen", "Garden", "Hall"};
const char* const kAttrWords[] = {"Gardens", "Museum", "Pagoda", "Gallery", "Old Quarter", "Observatory", "Bridge", "Market"};
const char* const kModes[] = {"train", "bus", "flight"};
const char* const kGoodWeather[] = {"sunny", "cloudy", "windy", "overcast"};

int rand_rating(Rng& rng) { return static_cast<int>(rng.range(25, 50)); }
int good_rating(Rng& rng, int min10) { return static_cast<int>(rng.range(std::max(min10, 25), 50)); }

// Everything a trip task is made of, filled stage by stage; each stage draws from its own
// stream (stage_rng), so the stages are independent of each other's draws.
struct TripBuild {
    int d = 1;
    Rules r;
    std::set<std::string> names;  // every generated name, unique across stages
    std::vector<std::string> cities, dates;
    std::vector<DayPlan> plan;
    int probe_day = 1;
    std::string violator;  // an attraction that breaks the probe day's ticket cap
    Table t_cities{"cities", {{"name", "TEXT"}, {"region", "TEXT"}}, {}};
    Table t_hotels{"hotels", {{"name", "TEXT"}, {"city", "TEXT"}, {"price", "INTEGER"}, {"rating", "REAL"}, {"stars", "INTEGER"}}, {}};
    Table t_rest{
        "restaurants", {{"name", "TEXT"}, {"city", "TEXT"}, {"cuisine", "TEXT"}, {"avg_price", "INTEGER"}, {"rating", "REAL"}}, {}};
    Table t_attr{"attractions", {{"name", "TEXT"}, {"city", "TEXT"}, {"category", "TEXT"}, {"ticket", "INTEGER"}, {"rating", "REAL"}}, {}};
    Table t_trans{
        "transport", {{"from_city", "TEXT"}, {"to_city", "TEXT"}, {"mode", "TEXT"}, {"price", "INTEGER"}, {"minutes", "INTEGER"}}, {}};
    Table t_weather{"weather", {{"city", "TEXT"}, {"date", "TEXT"}, {"condition", "TEXT"}, {"high_c", "INTEGER"}}, {}};
    Table t_local{"local_transport", {{"city", "TEXT"}, {"mode", "TEXT"}, {"day_pass", "INTEGER"}}, {}};

    std::string hotel(Rng& rng, const std::string& city, int price, int r10) {
        std::string n = city + " " + unique_name(rng, names, brand_name) + " " + rng.pick(kHotelWords);
        t_hotels.add({n, city, price, rating(r10), static_cast<int64_t>(2 + price / 350)});
        return n;
    }
    std::string restaurant(Rng& rng, const std::string& city, int price, int r10) {
        std::string n = unique_name(rng, names, brand_name) + " " + rng.pick(kRestWords);
        t_rest.add({n, city, rng.pick(kCuisines), price, rating(r10)});
        return n;
    }
    std::string attraction(Rng& rng, const std::string& city, int ticket, int r10) {
        std::string n = unique_name(rng, names, brand_name) + " " + rng.pick(kAttrWords);
        t_attr.add({n, city, rng.pick(kCategories), ticket, rating(r10)});
        return n;
    }
};

// Stage "rules": the trip's length and every threshold the plan must meet.
Rules draw_rules(int d, Rng rng) {
    Rules r;
    r.days = d <= 2 ? 2 : d <= 4 ? 3 : 4;
    r.connected = d >= 2;
    r.weather = d >= 3;
    r.min_attraction10 = d >= 2 ? static_cast<int>(rng.range(36, 42)) : 0;
    if (d <= 2) r.rule_days = {2};
    else
        for (int i = 1; i <= r.days; ++i) r.rule_days.push_back(i);
    r.high_meals_max = round_to(rng.range(260, 420), 10);
    r.high_meal_min10 = static_cast<int>(rng.range(38, 44));
    r.high_ticket_max = round_to(rng.range(80, 150), 5);
    r.mid_meal_min10 = static_cast<int>(rng.range(40, 46));
    r.mid_ticket_max = round_to(rng.range(120, 200), 5);
    r.low_meal_min10 = static_cast<int>(rng.range(34, 42));
    return r;
}

// Stage "cities": the cities (the first is the origin) and the trip's dates.
void draw_cities(TripBuild& b, Rng rng) {
    const int n_cities = b.r.days + 2 + b.d;
    for (int i = 0; i < n_cities; ++i) b.cities.push_back(unique_name(rng, b.names, place_name));
    const int64_t start_day = day_number(2026, static_cast<int>(rng.range(3, 10)), static_cast<int>(rng.range(1, 20)));
    for (int i = 0; i < b.r.days; ++i) b.dates.push_back(date_string(start_day + i));
}

// One day of the plan in city `i + 1`: a hotel of a random tier and meals and an attraction
// that meet that tier's rules where the day is ruled. Returns the hotel's price.
int draw_plan_day(TripBuild& b, Rng& rng, int i) {
    const Rules& r = b.r;
    DayPlan p;
    p.city = b.cities[static_cast<size_t>(i + 1)];
    p.date = b.dates[static_cast<size_t>(i)];
    int tier = static_cast<int>(rng.below(3));  // 0 high, 1 mid, 2 low
    if (i + 1 == b.probe_day && tier == 2) tier = static_cast<int>(rng.below(2));
    const int price = tier == 0   ? round_to(rng.range(kHighTier, 1400), 10)
                      : tier == 1 ? round_to(rng.range(kMidTier, kHighTier - 10), 10)
                                  : round_to(rng.range(200, kMidTier - 10), 10);
    p.hotel = b.hotel(rng, p.city, price, static_cast<int>(rng.range(30, 50)));
    const bool ruled = std::find(r.rule_days.begin(), r.rule_days.end(), i + 1) != r.rule_days.end();
    const int min_attr = std::max(r.min_attraction10, 25);
    int lunch_price = round_to(rng.range(40, 200), 5), dinner_price = round_to(rng.range(40, 220), 5);
    int lunch_r = rand_rating(rng), dinner_r = rand_rating(rng);
    int ticket = round_to(rng.range(0, 250), 5);
    if (ruled && tier == 0) {
        const int half = r.high_meals_max / 2;
        lunch_price = round_to(rng.range(40, half - 10), 5);
        dinner_price = round_to(rng.range(40, half - 10), 5);
        lunch_r = good_rating(rng, r.high_meal_min10);
        dinner_r = good_rating(rng, r.high_meal_min10);
        ticket = round_to(rng.range(0, r.high_ticket_max - 5), 5);
    } else if (ruled && tier == 1) {
        lunch_r = good_rating(rng, r.mid_meal_min10);
        ticket = round_to(rng.range(0, r.mid_ticket_max - 5), 5);
    } else if (ruled) {
        dinner_r = good_rating(rng, r.low_meal_min10);
    }
    int violator_ticket = 0;
    if (ruled && i + 1 == b.probe_day) violator_ticket = (tier == 0 ? r.high_ticket_max : r.mid_ticket_max) + round_to(rng.range(5, 60), 5);
    p.lunch = b.restaurant(rng, p.city, lunch_price, lunch_r);
    p.dinner = b.restaurant(rng, p.city, dinner_price, dinner_r);
    p.attraction = b.attraction(rng, p.city, ticket, good_rating(rng, min_attr));
    if (violator_ticket && b.violator.empty()) b.violator = b.attraction(rng, p.city, violator_ticket, good_rating(rng, min_attr));
    b.plan.push_back(std::move(p));
    return price;
}

// Stage "plan": the satisfying plan, built first (cities 1..days in order; the probe day, the
// first ruled day, gets a tier with a ticket cap), and the hotel budget derived from it.
void draw_plan(TripBuild& b, Rng rng) {
    b.probe_day = b.r.rule_days[0];
    int hotel_total = 0;
    for (int i = 0; i < b.r.days; ++i) hotel_total += draw_plan_day(b, rng, i);
    if (b.d >= 4) b.r.hotel_total_max = hotel_total + round_to(rng.range(0, 150), 10);
}

// Stage "distractors": more places in every city; some satisfy the rules, many do not.
void draw_distractors(TripBuild& b, Rng rng) {
    const int hotels_per_city = 2 + b.d, restaurants_per_city = 3 + b.d, attractions_per_city = 2 + b.d;
    for (size_t c = 0; c < b.cities.size(); ++c) {
        const std::string& city = b.cities[c];
        b.t_cities.add({city, rng.pick(kRegions)});
        const int extra = c >= 1 && c <= static_cast<size_t>(b.r.days) ? 1 : 0;
        for (int k = extra; k < hotels_per_city; ++k) b.hotel(rng, city, round_to(rng.range(200, 1400), 10), rand_rating(rng));
        for (int k = 2 * extra; k < restaurants_per_city; ++k) b.restaurant(rng, city, round_to(rng.range(40, 320), 5), rand_rating(rng));
        for (int k = extra; k < attractions_per_city; ++k) b.attraction(rng, city, round_to(rng.range(0, 300), 5), rand_rating(rng));
        b.t_local.add({city, "metro", static_cast<int64_t>(rng.range(10, 40))});
        b.t_local.add({city, "bus", static_cast<int64_t>(rng.range(5, 20))});
    }
}

// Stage "transport": the plan's path always; other pairs at random (both directions).
void draw_transport(TripBuild& b, Rng rng) {
    std::set<std::pair<size_t, size_t>> edges;
    for (size_t i = 0; i < static_cast<size_t>(b.r.days); ++i) edges.insert({i, i + 1});
    for (size_t a = 0; a < b.cities.size(); ++a)
        for (size_t c = a + 1; c < b.cities.size(); ++c)
            if (rng.chance(20)) edges.insert({a, c});
    for (const auto& [a, c] : edges) {
        const char* mode = rng.pick(kModes);
        const int64_t price = round_to(rng.range(40, 900), 5), minutes = rng.range(35, 420);
        b.t_trans.add({b.cities[a], b.cities[c], mode, price, minutes});
        b.t_trans.add({b.cities[c], b.cities[a], mode, price, minutes});
    }
}

// Stage "weather": the plan's cities are dry on their day; others often are not.
void draw_weather(TripBuild& b, Rng rng) {
    for (size_t c = 0; c < b.cities.size(); ++c)
        for (size_t k = 0; k < b.dates.size(); ++k) {
            const bool plan_day = c == k + 1;
            const std::string cond = plan_day || rng.chance(55) ? rng.pick(kGoodWeather) : rng.pick(kBadWeather);
            b.t_weather.add({b.cities[c], b.dates[k], cond, rng.range(8, 31)});
        }
}

Json plan_json(const std::vector<DayPlan>& days) {
    JsonArray a;
    for (size_t i = 0; i < days.size(); ++i) a.push_back(days[i].to_json(static_cast<int>(i + 1)));
    return Json::object({{"plan", Json(std::move(a))}});
}

// The reference's lookups: what a careful agent asks before it submits the plan.
std::vector<ScriptTurn> reference_lookups(const TripBuild& b) {
    std::vector<ScriptTurn> script;
    script.push_back({"Start with the list of cities.", {{"get_all_cities", Json::object()}}});
    ScriptTurn checks{"Check connections and forecasts for the candidate cities.", {}};
    for (int i = 0; i < b.r.days; ++i) {
        const auto& p = b.plan[static_cast<size_t>(i)];
        const std::string& prev = i == 0 ? b.cities[0] : b.plan[static_cast<size_t>(i - 1)].city;
        if (b.r.connected) checks.calls.push_back({"get_inter_city_transport", Json::object({{"from_city", prev}, {"to_city", p.city}})});
        if (b.r.weather) checks.calls.push_back({"get_weather_by_city_date", Json::object({{"city", p.city}, {"date", p.date}})});
    }
    if (!checks.calls.empty()) script.push_back(std::move(checks));
    ScriptTurn listing{"List hotels, restaurants and attractions in those cities.", {}};
    for (const auto& p : b.plan)
        for (const char* tool : {"get_all_hotels_by_city", "get_all_restaurants_by_city", "get_all_attractions_by_city"})
            listing.calls.push_back({tool, Json::object({{"city", p.city}})});
    script.push_back(std::move(listing));
    if (b.d >= 3) {
        ScriptTurn infos{"Get prices and ratings of the chosen places.", {}};
        for (const auto& p : b.plan) {
            infos.calls.push_back({"get_infos_by_hotel", Json::object({{"name", p.hotel}})});
            infos.calls.push_back({"get_infos_by_restaurant", Json::object({{"name", p.lunch}})});
            infos.calls.push_back({"get_infos_by_restaurant", Json::object({{"name", p.dinner}})});
            infos.calls.push_back({"get_infos_by_attraction", Json::object({{"name", p.attraction}})});
        }
        script.push_back(std::move(infos));
    }
    return script;
}

// The reference (lookups, then the plan) and its probes: a plan that breaks exactly the probe
// day's ticket cap, and a valid-looking plan for a different (shorter) trip request.
Json trip_reference(const TripBuild& b) {
    const std::vector<ScriptTurn> body = reference_lookups(b);
    const Json answer = plan_json(b.plan);
    std::vector<ScriptTurn> script = body;
    script.push_back({"Every rule holds; submit.", {{"submit_result", answer}}});
    std::vector<DayPlan> broken = b.plan;
    broken[static_cast<size_t>(b.probe_day - 1)].attraction = b.violator;
    std::vector<DayPlan> shorter(b.plan.begin(), b.plan.end() - 1);
    auto with_submit = [&](const Json& a) {
        std::vector<ScriptTurn> s = body;
        s.push_back({"", {{"submit_result", a}}});
        return script_to_json(s);
    };
    JsonArray probes;
    probes.push_back(Json::object({{"name", "broken_ticket_cap"}, {"expect_pass", false}, {"turns", with_submit(plan_json(broken))}}));
    probes.push_back(
        Json::object({{"name", "other_request_shorter_trip"}, {"expect_pass", false}, {"turns", with_submit(plan_json(shorter))}}));
    return reference_json(script_to_json(script), answer, std::move(probes));
}

}  // namespace

Task synthesize_trip(uint64_t seed, int d) {
    TripBuild b;
    b.d = d;
    b.r = draw_rules(d, stage_rng(seed, "trip.rules"));
    draw_cities(b, stage_rng(seed, "trip.cities"));
    draw_plan(b, stage_rng(seed, "trip.plan"));
    draw_distractors(b, stage_rng(seed, "trip.distractors"));
    draw_transport(b, stage_rng(seed, "trip.transport"));
    draw_weather(b, stage_rng(seed, "trip.weather"));

    Task t = general_task("trip", seed, d);
    t.generator_version = "2";  // 2: each stage draws from its own stream (stage_rng)
    t.system =
        "You are a travel-planning agent. Use the tools to look up cities, hotels, "
        "restaurants, attractions, transport and weather; never guess names or prices. "
        "When the plan satisfies every requirement, call submit_result once.";
    t.prompt = prompt_text(b.cities[0], b.dates[0], b.r);
    t.tools = trip_tools(d, b.r.days);
    t.env = domain_env("trip", {&b.t_cities, &b.t_hotels, &b.t_rest, &b.t_attr, &b.t_trans, &b.t_weather, &b.t_local});
    JsonArray date_list;
    for (const auto& ds : b.dates) date_list.emplace_back(ds);
    t.verifier = Json::object(
        {{"type", "trip"}, {"origin", b.cities[0]}, {"days", b.r.days}, {"dates", Json(std::move(date_list))}, {"rules", rules_json(b.r)}});
    t.reference = trip_reference(b);
    t.limits.max_turns = 12 + 4 * d;
    t.limits.max_tool_calls = 60 + 20 * d;
    t.finalize();
    return t;
}

ToolResult trip_op(SqliteDb&, const std::string& op, const Json&) { return ToolResult::error("unknown operation '" + op + "'"); }

namespace {

std::optional<Json> lookup(SqliteDb& db, const char* sql, const std::string& name) {
    SqliteStmt q(db, sql);
    q.bind(1, name);
    if (!q.step()) return std::nullopt;
    Json o = Json::object();
    for (int i = 0; i < q.columns(); ++i) {
        if (q.column_type(i) == 1) o.set(q.column_name(i), q.int64(i));      // SQLITE_INTEGER
        else if (q.column_type(i) == 2) o.set(q.column_name(i), q.real(i));  // SQLITE_FLOAT
        else o.set(q.column_name(i), q.text(i));
    }
    return o;
}

bool db_has_city(SqliteDb& db, const std::string& city) {
    SqliteStmt q(db, "SELECT 1 FROM cities WHERE name = ?");
    q.bind(1, city);
    return q.step();
}

int r10_of(const Json& row) { return static_cast<int>(std::lround(row.get_number("rating") * 10)); }
int r10_of_rule(const Json& rules, const char* key) { return static_cast<int>(std::lround(rules.get_number(key) * 10)); }

}  // namespace

namespace {

// The day's travel: a direct connection from the day before's city when the rules ask for one,
// and no bad weather in the city on the day's date (`date` empty: past the listed dates).
void check_travel(Checks& c, SqliteDb& db, const std::string& tag, const Json& rules, const std::string& prev, const std::string& city,
                  const std::string& date) {
    if (rules.get_bool("connected")) {
        SqliteStmt q(db, "SELECT 1 FROM transport WHERE from_city = ? AND to_city = ?");
        q.bind(1, prev).bind(2, city);
        c.add(tag + " connection", q.step(), "no direct connection " + prev + " -> " + city);
    }
    if (rules.get_bool("weather") && !date.empty()) {
        SqliteStmt q(db, "SELECT condition FROM weather WHERE city = ? AND date = ?");
        q.bind(1, city).bind(2, date);
        std::string cond = q.step() ? q.text(0) : "unknown";
        bool bad = cond == "unknown";
        for (const char* b : kBadWeather) bad = bad || cond == b;
        c.add(tag + " weather", !bad, cond + " in " + city + " on " + date);
    }
}

// A rule day's budget rules, by the tier of the hotel's price: meals, restaurant ratings, ticket.
void check_tier_rules(Checks& c, const std::string& tag, const Json& rules, const Json& hotel, const Json& lunch, const Json& dinner,
                      const Json& attr) {
    const int64_t price = hotel.get_int("price");
    const int64_t ticket = attr.get_int("ticket");
    const int lr = r10_of(lunch), dr = r10_of(dinner);
    if (price >= rules.get_int("high_tier")) {
        int64_t meals = lunch.get_int("avg_price") + dinner.get_int("avg_price");
        c.add(tag + " meals under budget", meals < rules.get_int("high_meals_max"), std::to_string(meals) + " CNY");
        int min10 = r10_of_rule(rules, "high_meal_min_rating");
        c.add(tag + " both restaurants rated", lr >= min10 && dr >= min10);
        c.add(tag + " ticket under cap", ticket < rules.get_int("high_ticket_max"), std::to_string(ticket) + " CNY");
    } else if (price >= rules.get_int("mid_tier")) {
        int min10 = r10_of_rule(rules, "mid_meal_min_rating");
        c.add(tag + " one restaurant rated", lr >= min10 || dr >= min10);
        c.add(tag + " ticket under cap", ticket < rules.get_int("mid_ticket_max"), std::to_string(ticket) + " CNY");
    } else {
        int min10 = r10_of_rule(rules, "low_meal_min_rating");
        c.add(tag + " one restaurant rated", lr >= min10 || dr >= min10);
    }
}

}  // namespace

Verdict verify_trip(const Task& task, const GeneralEnv&, SqliteDb& db, const Json& answer) {
    Checks c;
    const Json& v = task.verifier;
    const Json& rules = v.at("rules");
    const Json* plan = answer.find("plan");
    const int days = static_cast<int>(v.get_int("days"));
    if (!plan || !plan->is_array()) {
        c.add("plan submitted", false, "no plan array was submitted");
        return c.verdict();
    }
    c.add("day count", static_cast<int>(plan->size()) == days, std::to_string(plan->size()) + " days, expected " + std::to_string(days));
    const std::string origin = v.get_string("origin");
    const auto& dates = v.at("dates").as_array();
    std::set<std::string> seen_city, seen_hotel, seen_rest, seen_attr;
    std::string prev = origin;
    int hotel_total = 0;
    std::vector<int> rule_days;
    for (const auto& dday : rules.at("rule_days").as_array()) rule_days.push_back(static_cast<int>(dday.as_int()));
    for (size_t i = 0; i < plan->size() && i < static_cast<size_t>(days); ++i) {
        const Json& p = plan->as_array()[i];
        const std::string tag = "day " + std::to_string(i + 1);
        if (!p.is_object()) {
            c.add(tag + " entry", false, "not an object");
            continue;
        }
        c.add(tag + " numbering", p.get_int("day") == static_cast<int64_t>(i + 1));
        const std::string city = p.get_string("city");
        c.add(tag + " city", city != origin && db_has_city(db, city),
              city == origin ? "the origin city is not a destination" : "unknown city '" + city + "'");
        c.add(tag + " city not repeated", seen_city.insert(city).second, city);
        auto hotel = lookup(db, "SELECT city, price, rating FROM hotels WHERE name = ?", p.get_string("hotel"));
        auto lunch = lookup(db, "SELECT city, avg_price, rating FROM restaurants WHERE name = ?", p.get_string("afternoon_restaurant"));
        auto dinner = lookup(db, "SELECT city, avg_price, rating FROM restaurants WHERE name = ?", p.get_string("evening_restaurant"));
        auto attr = lookup(db, "SELECT city, ticket, rating FROM attractions WHERE name = ?", p.get_string("afternoon_attraction"));
        c.add(tag + " hotel in city", hotel && hotel->get_string("city") == city, p.get_string("hotel"));
        c.add(tag + " afternoon restaurant in city", lunch && lunch->get_string("city") == city, p.get_string("afternoon_restaurant"));
        c.add(tag + " evening restaurant in city", dinner && dinner->get_string("city") == city, p.get_string("evening_restaurant"));
        c.add(tag + " attraction in city", attr && attr->get_string("city") == city, p.get_string("afternoon_attraction"));
        c.add(tag + " hotel not repeated", seen_hotel.insert(p.get_string("hotel")).second);
        bool r1 = seen_rest.insert(p.get_string("afternoon_restaurant")).second;
        bool r2 = seen_rest.insert(p.get_string("evening_restaurant")).second;
        c.add(tag + " restaurants not repeated", r1 && r2);
        c.add(tag + " attraction not repeated", seen_attr.insert(p.get_string("afternoon_attraction")).second);
        check_travel(c, db, tag, rules, prev, city, i < dates.size() ? dates[i].as_string() : "");
        prev = city;
        if (!hotel || !lunch || !dinner || !attr) continue;
        hotel_total += static_cast<int>(hotel->get_int("price"));
        int min_attr = r10_of_rule(rules, "min_attraction_rating");
        if (min_attr) c.add(tag + " attraction rating", r10_of(*attr) >= min_attr);
        if (std::find(rule_days.begin(), rule_days.end(), static_cast<int>(i + 1)) == rule_days.end()) continue;
        check_tier_rules(c, tag, rules, *hotel, *lunch, *dinner, *attr);
    }
    if (int64_t cap = rules.get_int("hotel_total_max")) c.add("hotel total", hotel_total <= cap, std::to_string(hotel_total) + " CNY");
    return c.verdict();
}

}  // namespace envforge::general
