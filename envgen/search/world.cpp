#include "envgen/search/world.hpp"

#include <vector>

#include <algorithm>
#include <map>
#include <set>

#include "envgen/synth_util.hpp"
#include "common/rng.hpp"

namespace envforge::search {

const char* etype_name(EType t) {
    switch (t) {
        case EType::Person: return "person";
        case EType::Org: return "organisation";
        case EType::Place: return "city";
        case EType::Work: return "work";
        case EType::Event: return "event";
    }
    return "?";
}

EType rel_subject(Rel r) {
    switch (r) {
        case Rel::BornIn:
        case Rel::WorksFor: return EType::Person;
        case Rel::BasedIn:
        case Rel::FoundedBy: return EType::Org;
        case Rel::CreatedBy:
        case Rel::PublishedBy: return EType::Work;
        default: return EType::Event;
    }
}

EType rel_object(Rel r) {
    switch (r) {
        case Rel::BornIn:
        case Rel::BasedIn:
        case Rel::HeldIn: return EType::Place;
        case Rel::WorksFor:
        case Rel::PublishedBy: return EType::Org;
        default: return EType::Person;
    }
}

namespace {

const char* const kGiven[] = {"Alder",  "Brisa", "Caius",   "Delphine", "Ezra",   "Fenna", "Galen", "Hesper",
                              "Ilse",   "Jory",  "Kestrel", "Liora",    "Maelis", "Nevin", "Orla",  "Perrin",
                              "Quilla", "Rowan", "Sable",   "Tamsin",   "Ulric",  "Vesna", "Wren",  "Yara"};
const char* const kOccupations[] = {"painter",  "chemist",  "architect",    "novelist", "engineer",
                                    "composer", "botanist", "cartographer", "sculptor", "physician"};
const char* const kOrgTypes[] = {"publishing house", "research institute", "design studio",
                                 "engineering firm", "record label",       "botanical society"};
const char* const kOrgWords[][2] = {{"Press", "Printing House"}, {"Institute", "Research Centre"}, {"Studio", "Atelier"},
                                    {"Works", "Engineering"},    {"Records", "Sound Company"},     {"Society", "Botanical Circle"}};
const char* const kRegions[] = {"coastal", "mountain", "river", "desert", "lake", "island"};
const char* const kCountries[] = {"Varnesia", "Ostrelland", "Quillmark", "Sorvania", "Tremont Isles"};
// Each kind of work and the occupations that make it: a painter paints, a composer writes symphonies.
struct WorkKind {
    const char* type;
    std::vector<const char*> makers;
};
const WorkKind kWorkKinds[] = {{"novel", {"novelist"}},
                               {"painting", {"painter"}},
                               {"symphony", {"composer"}},
                               {"atlas", {"cartographer"}},
                               {"bridge design", {"engineer", "architect"}},
                               {"monograph", {"chemist", "botanist", "physician"}},
                               {"sculpture", {"sculptor"}}};
const char* const kEventTypes[] = {"prize", "festival", "expedition", "exhibition"};
const char* const kAdjectives[] = {"Glass",   "Silent",  "Amber",    "Northern", "Hollow", "Gilded",
                                   "Seventh", "Crimson", "Drifting", "Quiet",    "Iron",   "Paper"};
const char* const kNouns[] = {"Harbour", "Orchard", "Lantern",   "Meridian", "Archive", "Cartographer",
                              "Tide",    "Garden",  "Clockwork", "Compass",  "Winter",  "Lighthouse"};

}  // namespace

namespace {

constexpr int kAdultAge = 15;

// A person at least kAdultAge years old in `year` (the oldest one if a few random draws find none).
int adult_in(const World& w, const std::vector<int>& people, int year, Rng& rng) {
    for (int tries = 0; tries < 64; ++tries) {
        const int p = people[rng.below(people.size())];
        if (w.entities[static_cast<size_t>(p)].year + kAdultAge <= year) return p;
    }
    return *std::min_element(people.begin(), people.end(), [&](int a, int b) {
        return w.entities[static_cast<size_t>(a)].year < w.entities[static_cast<size_t>(b)].year;
    });
}

}  // namespace

namespace {

Entity& add_entity(World& w, EType t) {
    Entity e;
    e.id = static_cast<int>(w.entities.size());
    e.type = t;
    w.by_type[static_cast<size_t>(t)].push_back(e.id);
    w.entities.push_back(std::move(e));
    return w.entities.back();
}

const std::vector<int>& of_type(const World& w, EType t) { return w.by_type[static_cast<size_t>(t)]; }

// Places, some with a similar-named twin ("New X", "X Minor").
void add_places(World& w, Rng& rng, std::set<std::string>& taken, int n_places) {
    for (int i = 0; i < n_places; ++i) {
        Entity& p = add_entity(w, EType::Place);
        p.name = unique_name(rng, taken, place_name);
        p.category = rng.pick(kRegions);
        p.year = static_cast<int>(rng.range(900, 1850));
        p.number = static_cast<int>(rng.range(8, 2400)) * 1000;
        p.disambiguation = rng.pick(kCountries);
        if (rng.chance(35) && i + 1 < n_places) {
            const int first = p.id;
            Entity& t = add_entity(w, EType::Place);
            const std::string base = w.entities[static_cast<size_t>(first)].name;
            t.name = rng.chance(50) ? "New " + base : base + " Minor";
            taken.insert(t.name);
            t.category = rng.pick(kRegions);
            t.year = static_cast<int>(rng.range(1500, 1900));
            t.number = static_cast<int>(rng.range(2, 300)) * 1000;
            t.disambiguation = rng.pick(kCountries);
            t.twin = first;
            w.entities[static_cast<size_t>(first)].twin = t.id;
            ++i;
        }
    }
}

// People in families; a few share a full name with someone born decades apart.
void add_people(World& w, Rng& rng, std::set<std::string>& taken, int size) {
    const auto& places = of_type(w, EType::Place);
    std::vector<std::string> families;
    for (int i = 0; i < std::max(4, size * 2 / 5); ++i) families.push_back(unique_name(rng, taken, brand_name) + "ard");
    for (int i = 0; i < size; ++i) {
        const size_t f = rng.below(families.size());
        Entity& p = add_entity(w, EType::Person);
        p.family = families[f];
        // Full names are unique; the only shared names are the namesakes planted below.
        for (int attempt = 0;; ++attempt) {
            p.name = std::string(rng.pick(kGiven)) + " " +
                     (attempt < 8 ? "" : std::string(1, static_cast<char>('A' + rng.below(26))) + ". ") + p.family;
            if (taken.insert(p.name).second) break;
        }
        p.category = rng.pick(kOccupations);
        p.year = static_cast<int>(rng.range(1900, 1995));
        p.rel[static_cast<size_t>(Rel::BornIn)] = places[rng.below(places.size())];
    }
    // Planted same-name pairs: copy a name onto a relative-free slot with a distant birth year.
    const auto& people = w.by_type[static_cast<size_t>(EType::Person)];
    for (size_t i = 0; i + 1 < people.size(); i += 13) {
        Entity& a = w.entities[static_cast<size_t>(people[i])];
        Entity& b = w.entities[static_cast<size_t>(people[i + 1])];
        b.name = a.name;
        a.namesake = b.id;
        b.namesake = a.id;
        b.family = a.family;
        if (std::abs(a.year - b.year) < 12)
            b.year = a.year <= 1950 ? a.year + static_cast<int>(rng.range(20, 40)) : a.year - static_cast<int>(rng.range(20, 40));
        a.disambiguation = std::string(a.category) + ", born " + std::to_string(a.year);
        b.disambiguation = std::string(b.category) + ", born " + std::to_string(b.year);
    }
    // Near-twin of a person: another member of the same family (different given name).
    std::map<std::string, std::vector<int>> by_family;
    for (int id : people) by_family[w.at(id).family].push_back(id);
    for (int id : people) {
        Entity& p = w.entities[static_cast<size_t>(id)];
        for (int other : by_family[p.family])
            if (other != id && w.at(other).name != p.name) {
                p.twin = other;
                break;
            }
    }
}

// Organisations; some have a similar-named sibling in the same city. Everyone works for one.
void add_orgs(World& w, Rng& rng, std::set<std::string>& taken, int n_orgs) {
    const auto& places = of_type(w, EType::Place);
    const auto& people = of_type(w, EType::Person);
    for (int i = 0; i < n_orgs; ++i) {
        const size_t kind = rng.below(std::size(kOrgTypes));
        Entity& o = add_entity(w, EType::Org);
        const std::string stem = unique_name(rng, taken, place_name);
        o.name = stem + " " + kOrgWords[kind][0];
        o.category = kOrgTypes[kind];
        o.year = static_cast<int>(rng.range(1890, 2015));
        o.number = static_cast<int>(rng.range(4, 900));
        o.rel[static_cast<size_t>(Rel::BasedIn)] = places[rng.below(places.size())];
        o.rel[static_cast<size_t>(Rel::FoundedBy)] = people[rng.below(people.size())];
        if (rng.chance(30) && i + 1 < n_orgs) {
            const int first = o.id;
            Entity& t = add_entity(w, EType::Org);
            const Entity& f = w.at(first);
            t.name = stem + " " + kOrgWords[kind][1];
            t.category = f.category;
            t.year = static_cast<int>(rng.range(1890, 2015));
            t.number = static_cast<int>(rng.range(4, 900));
            t.rel[static_cast<size_t>(Rel::BasedIn)] = f.get(Rel::BasedIn);
            t.rel[static_cast<size_t>(Rel::FoundedBy)] = people[rng.below(people.size())];
            t.twin = first;
            w.entities[static_cast<size_t>(first)].twin = t.id;
            ++i;
        }
    }
    const auto& orgs = w.by_type[static_cast<size_t>(EType::Org)];
    for (int id : people) w.entities[static_cast<size_t>(id)].rel[static_cast<size_t>(Rel::WorksFor)] = orgs[rng.below(orgs.size())];
}

// Works: unique titles; a few with near-identical titles by other creators.
void add_works(World& w, Rng& rng, std::set<std::string>& taken, int n_works) {
    const auto& people = of_type(w, EType::Person);
    const auto& orgs = of_type(w, EType::Org);
    for (int i = 0; i < n_works; ++i) {
        Entity& wk = add_entity(w, EType::Work);
        std::string title;
        do {
            title = std::string("The ") + rng.pick(kAdjectives) + " " + rng.pick(kNouns) + (rng.chance(50) ? "" : " of " + place_name(rng));
        } while (!taken.insert(title).second);
        wk.name = title;
        // The kind drawn, or the next one that someone in this world makes (small worlds may
        // have no composer at all).
        const size_t n_kinds = sizeof kWorkKinds / sizeof kWorkKinds[0];
        const size_t drawn = rng.below(n_kinds);
        std::vector<int> makers;
        for (size_t k = 0; k < n_kinds && makers.empty(); ++k) {
            const WorkKind& kind = kWorkKinds[(drawn + k) % n_kinds];
            for (int id : people)
                for (const char* m : kind.makers)
                    if (w.entities[static_cast<size_t>(id)].category == m) makers.push_back(id);
            if (!makers.empty()) wk.category = kind.type;
        }
        if (makers.empty()) makers = people;  // no maker of any kind: not reachable with 10 occupations and >= 40 people
        // A creator works from the age of 15 on (people are born 1900-1995, so there is room).
        const int creator = makers[rng.below(makers.size())];
        const int earliest = std::max(1925, w.entities[static_cast<size_t>(creator)].year + kAdultAge);
        wk.year = static_cast<int>(rng.range(earliest, std::max(earliest, 2024)));
        wk.number = static_cast<int>(rng.range(40, 900));
        wk.rel[static_cast<size_t>(Rel::CreatedBy)] = creator;
        wk.rel[static_cast<size_t>(Rel::PublishedBy)] = orgs[rng.below(orgs.size())];
    }
}

// Events in places, won by someone who was an adult in their year.
void add_events(World& w, Rng& rng, std::set<std::string>& taken, int n_events) {
    const auto& places = of_type(w, EType::Place);
    const auto& people = of_type(w, EType::Person);
    for (int i = 0; i < n_events; ++i) {
        Entity& ev = add_entity(w, EType::Event);
        const std::string type = rng.pick(kEventTypes);
        std::string n;
        do {
            n = place_name(rng) + " " + type + " of " + std::to_string(rng.range(1950, 2024));
        } while (!taken.insert(n).second);
        ev.name = n;
        ev.category = type;
        ev.year = std::stoi(n.substr(n.size() - 4));
        ev.number = static_cast<int>(rng.range(12, 4000));
        ev.rel[static_cast<size_t>(Rel::HeldIn)] = places[rng.below(places.size())];
        ev.rel[static_cast<size_t>(Rel::WonBy)] = adult_in(w, people, ev.year, rng);
    }
}

}  // namespace

World generate_world(uint64_t seed, int size) {
    // /2: works and event wins fall at least 15 years after the person's birth.
    // /3: a work's creator has the occupation that makes it (kWorkKinds).
    // /4: each stage draws from its own stream, so a stage can change (or draw more) without
    //     moving what the others make. Names stay unique across stages through `taken`.
    const uint64_t world = mix_seed(seed, "search.world/4");
    Rng places = stage_rng(world, "places"), people = stage_rng(world, "people"), orgs = stage_rng(world, "orgs");
    Rng works = stage_rng(world, "works"), events = stage_rng(world, "events");
    World w;
    w.seed = seed;
    w.size = size;
    w.by_type.resize(5);
    std::set<std::string> taken;
    add_places(w, places, taken, std::max(8, size / 8));
    add_people(w, people, taken, size);
    add_orgs(w, orgs, taken, std::max(6, size / 4));
    add_works(w, works, taken, size);
    add_events(w, events, taken, std::max(4, size / 6));
    return w;
}

}  // namespace envforge::search
