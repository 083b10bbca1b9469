// A seeded synthetic world for search tasks: people, organisations, places, works and events
// with typed attributes and functional relations. Names are generated (nothing famous), and
// near-twins are planted on purpose: people sharing a full name (different birth years) or a
// family name, organisations with similar names in the same city, places with similar names.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace envforge::search {

enum class EType : uint8_t { Person, Org, Place, Work, Event };
const char* etype_name(EType t);

// Functional relations: each entity has at most one object per relation.
enum class Rel : uint8_t { BornIn, WorksFor, BasedIn, FoundedBy, CreatedBy, PublishedBy, HeldIn, WonBy, kCount };
constexpr size_t kRelCount = static_cast<size_t>(Rel::kCount);
EType rel_subject(Rel r);
EType rel_object(Rel r);

struct Entity {
    int id = 0;
    EType type = EType::Person;
    std::string name;                // display name; unique except planted same-name people
    std::string family;              // people: family name
    std::string category;            // occupation, organisation type, region, work type, event type
    int year = 0;                    // born, founded, settled, published, held
    int number = 0;                  // people: none; orgs: staff; places: population; works: pages; events: entrants
    std::array<int, kRelCount> rel;  // object entity id per relation, -1 when absent
    int twin = -1;                   // a near-twin of the same type (-1 when none)
    int namesake = -1;               // people: another person with the same full name
    std::string disambiguation;      // e.g. "painter, born 1931" for same-name people

    Entity() { rel.fill(-1); }
    int get(Rel r) const { return rel[static_cast<size_t>(r)]; }
};

struct World {
    uint64_t seed = 0;
    int size = 0;  // number of people; other kinds scale with it
    std::vector<Entity> entities;
    std::vector<std::vector<int>> by_type;  // entity ids per EType

    const Entity& at(int id) const { return entities[static_cast<size_t>(id)]; }
    const std::vector<int>& of(EType t) const { return by_type[static_cast<size_t>(t)]; }
};

// Deterministic in (seed, size).
World generate_world(uint64_t seed, int size);

}  // namespace envforge::search
