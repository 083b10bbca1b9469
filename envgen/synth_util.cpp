#include "envgen/synth_util.hpp"

#include <cstdio>

namespace envforge {

Json str_prop(std::string description) { return Json::object({{"type", "string"}, {"description", std::move(description)}}); }
Json int_prop(std::string description) { return Json::object({{"type", "integer"}, {"description", std::move(description)}}); }
Json num_prop(std::string description) { return Json::object({{"type", "number"}, {"description", std::move(description)}}); }
Json enum_prop(std::string description, std::vector<std::string> values) {
    JsonArray vals;
    for (auto& v : values) vals.emplace_back(std::move(v));
    return Json::object({{"type", "string"}, {"description", std::move(description)}, {"enum", Json(std::move(vals))}});
}
Json object_schema(std::vector<std::pair<std::string, Json>> props, std::vector<std::string> required) {
    Json p = Json::object();
    for (auto& [k, v] : props) p.set(k, std::move(v));
    JsonArray req;
    for (auto& r : required) req.emplace_back(std::move(r));
    return Json::object(
        {{"type", "object"}, {"properties", std::move(p)}, {"required", Json(std::move(req))}, {"additionalProperties", false}});
}

Json reference_json(Json turns, Json answer, JsonArray probes) {
    Json r = Json::object();
    r.set("turns", std::move(turns));
    r.set("answer", std::move(answer));
    r.set("probes", Json(std::move(probes)));
    return r;
}

std::string unique_name(Rng& rng, std::set<std::string>& taken, std::string (*make)(Rng&)) {
    for (int attempt = 0;; ++attempt) {
        std::string n = make(rng);
        if (attempt > 20) n += " " + std::to_string(attempt);
        if (taken.insert(n).second) return n;
    }
}

namespace {

// Syllables chosen to read as plausible but fictional place and family names.
const char* const kOnset[] = {"b", "br", "c",  "d", "dr", "f",  "g", "gl", "h", "k", "kr", "l",  "m",
                              "n", "p",  "qu", "r", "s",  "st", "t", "tr", "v", "w", "z",  "th", "sk"};
const char* const kVowel[] = {"a", "e", "i", "o", "u", "ae", "ei", "ou", "y", "ia"};
const char* const kCoda[] = {"n", "r", "l", "s", "th", "nd", "rk", "m", "x", "v", "", "ck", "lt"};
const char* const kPlaceEnd[] = {"holm", "ford", "mere", "wick", "gate", "vale", "burg", "stad",
                                 "ora",  "ino",  "ara",  "heim", "by",   "port", "crest"};
const char* const kGiven[] = {"Alder",   "Brisa", "Caius",  "Delphine", "Ezra",   "Fenna",  "Galen",  "Hesper", "Ilse",  "Jory",
                              "Kestrel", "Liora", "Maelis", "Nevin",    "Orla",   "Perrin", "Quilla", "Rowan",  "Sable", "Tamsin",
                              "Ulric",   "Vesna", "Wren",   "Yara",     "Zephyr", "Anouk",  "Bram",   "Cosima"};

std::string syllable(Rng& rng) { return std::string(rng.pick(kOnset)) + rng.pick(kVowel) + rng.pick(kCoda); }

std::string capitalise(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

}  // namespace

std::string place_name(Rng& rng) { return capitalise(syllable(rng) + rng.pick(kPlaceEnd)); }

std::string person_name(Rng& rng) { return std::string(rng.pick(kGiven)) + " " + capitalise(syllable(rng) + syllable(rng)); }

std::string brand_name(Rng& rng) { return capitalise(syllable(rng) + rng.pick(kVowel)); }

int64_t day_number(int y, int m, int d) {
    // Howard Hinnant's days_from_civil.
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::string date_string(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
    return buf;
}

void Checks::add(std::string name, bool ok, std::string why) {
    Json item = Json::object({{"check", std::move(name)}, {"ok", ok}});
    if (!why.empty()) item.set("why", std::move(why));
    items_.push_back(std::move(item));
    if (!ok) ++failed_;
}

Verdict Checks::verdict() const {
    Verdict v;
    v.passed = failed_ == 0 && !items_.empty();
    v.reward = v.passed ? 1.0 : 0.0;
    const double n = static_cast<double>(items_.size());
    v.details = Json::object({{"checks", Json(items_)}, {"score", n > 0 ? (n - failed_) / n : 0.0}});
    return v;
}

}  // namespace envforge
