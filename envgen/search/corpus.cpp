#include "envgen/search/corpus.hpp"

#include <cstdio>
#include <map>

#include "common/rng.hpp"

namespace envforge::search {

std::string display_name(const Entity& e) {
    if (e.type == EType::Person && !e.disambiguation.empty()) return e.name + " (" + e.disambiguation + ")";
    return e.name;
}

std::string fix_articles(std::string t) {
    for (size_t p = 0; (p = t.find(" a ", p)) != std::string::npos; p += 3)
        if (p + 3 < t.size() && std::string_view("aeiouAEIOU").find(t[p + 3]) != std::string_view::npos) t.insert(p + 2, "n");
    return t;
}

std::vector<std::pair<size_t, size_t>> paginate(std::string_view text) {
    std::vector<std::pair<size_t, size_t>> pages;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = std::min(text.size(), start + kPageChars);
        if (end < text.size()) {
            size_t cut = text.rfind(' ', end);
            if (cut != std::string_view::npos && cut > start + kPageChars / 2) end = cut + 1;
        }
        pages.emplace_back(start, end - start);
        start = end;
    }
    if (pages.empty()) pages.emplace_back(0, 0);
    return pages;
}

int page_of(std::string_view text, std::string_view needle) {
    size_t at = text.find(needle);
    if (at == std::string_view::npos) return 0;
    auto pages = paginate(text);
    for (size_t i = 0; i < pages.size(); ++i)
        if (at < pages[i].first + pages[i].second) return static_cast<int>(i + 1);
    return static_cast<int>(pages.size());
}

namespace {

struct Renderer {
    const World& w;
    Corpus c;
    Rng rng;
    explicit Renderer(const World& world) : w(world), rng(mix_seed(world.seed, "search.corpus/1")) {
        c.main_doc.assign(w.entities.size(), -1);
        c.rel_doc.resize(w.entities.size());
        for (auto& r : c.rel_doc) r.fill(-1);
        c.year_doc.assign(w.entities.size(), -1);
    }

    int add(std::string title, std::string text) {
        char id[16];
        std::snprintf(id, sizeof id, "d%06zu", c.docs.size());
        c.docs.push_back({id, std::move(title), fix_articles(" " + text).substr(1)});
        return static_cast<int>(c.docs.size() - 1);
    }
    const Entity& obj(const Entity& e, Rel r) const { return w.at(e.get(r)); }
    std::string name(int id) const { return display_name(w.at(id)); }
    template <size_t N>
    std::string one_of(const char* const (&options)[N]) {
        return rng.pick(options);
    }

    // Replaces {k} placeholders.
    static std::string fill(std::string t, const std::map<std::string, std::string>& vars) {
        for (const auto& [k, v] : vars) {
            const std::string key = "{" + k + "}";
            for (size_t p; (p = t.find(key)) != std::string::npos;) t.replace(p, key.size(), v);
        }
        return t;
    }
};

std::string list_of(const std::vector<std::string>& items) {
    std::string s;
    for (size_t i = 0; i < items.size(); ++i) s += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return s;
}

}  // namespace

namespace {

// The reverse of every relation: who was born in a place, works for an organisation, ...
struct Reverse {
    std::vector<std::vector<int>> born_here, based_here, staff, created, published, founded, won, hosted;
    explicit Reverse(const World& w)
        : born_here(w.entities.size()),
          based_here(w.entities.size()),
          staff(w.entities.size()),
          created(w.entities.size()),
          published(w.entities.size()),
          founded(w.entities.size()),
          won(w.entities.size()),
          hosted(w.entities.size()) {
        for (const auto& e : w.entities) {
            auto push = [&](Rel rel, std::vector<std::vector<int>>& into) {
                if (e.get(rel) >= 0) into[static_cast<size_t>(e.get(rel))].push_back(e.id);
            };
            push(Rel::BornIn, born_here);
            push(Rel::BasedIn, based_here);
            push(Rel::WorksFor, staff);
            push(Rel::CreatedBy, created);
            push(Rel::PublishedBy, published);
            push(Rel::FoundedBy, founded);
            push(Rel::WonBy, won);
            push(Rel::HeldIn, hosted);
        }
    }
};

std::vector<std::string> names_of(Renderer& r, const std::vector<int>& ids, size_t max) {
    std::vector<std::string> out;
    for (size_t i = 0; i < ids.size() && i < max; ++i) out.push_back(r.name(ids[i]));
    return out;
}

const char* const kBornTemplates[] = {"{n} was born in {y} in {c}, a {region} city of {country}.",
                                      "Born in {c} in {y}, {n} grew up in the {region} country around it.",
                                      "{n}'s birthplace was {c}; the records give {y} as the year of birth.",
                                      "The {occ} {n} came into the world in {y}, in the city of {c}."};
const char* const kWorkTemplates[] = {"{n} worked for {o} for most of a long career.", "For many years {n} was on the staff of {o}.",
                                      "{n} joined {o}, where the later part of the career unfolded.",
                                      "Colleagues at {o} remember {n} as a meticulous {occ}."};

// A person's article (lead, career, works, honours) and the early-life article.
void render_person(Renderer& r, const World& w, const Entity& e, const Reverse& rev) {
    const std::string dn = display_name(e);
    const Entity& city = r.obj(e, Rel::BornIn);
    const Entity& org = r.obj(e, Rel::WorksFor);
    std::string lead = Renderer::fill(
        r.one_of({"{n} (born {y}) is a {occ}.", "{n} is a {occ}, born in {y}.", "{n}, a {occ}, was born in {y}."}),
        {{"n", e.name}, {"y", std::to_string(e.year)}, {"occ", e.category}});
    std::string career = Renderer::fill(r.one_of(kWorkTemplates), {{"n", e.family}, {"o", r.name(org.id)}, {"occ", e.category}});
    std::string text = lead + " " + career;
    if (!rev.created[static_cast<size_t>(e.id)].empty()) {
        std::vector<std::string> works;
        for (int wid : rev.created[static_cast<size_t>(e.id)])
            works.push_back(w.at(wid).name + " (" + std::to_string(w.at(wid).year) + ", " + w.at(wid).category + ")");
        text += " Works: " + list_of(works) + ".";
    }
    if (!rev.won[static_cast<size_t>(e.id)].empty())
        text += " Honours: " + list_of(names_of(r, rev.won[static_cast<size_t>(e.id)], 6)) + ".";
    text += " See also: Early life of " + e.name + ".";
    int main = r.add(dn, text);
    r.c.main_doc[static_cast<size_t>(e.id)] = main;
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::WorksFor)] = main;
    r.c.year_doc[static_cast<size_t>(e.id)] = main;
    std::string early = Renderer::fill(r.one_of(kBornTemplates), {{"n", e.name},
                                                                  {"y", std::to_string(e.year)},
                                                                  {"c", city.name},
                                                                  {"region", city.category},
                                                                  {"country", city.disambiguation},
                                                                  {"occ", e.category}});
    if (e.namesake >= 0) early += " Not to be confused with " + r.name(e.namesake) + ".";
    if (e.twin >= 0) early += " A relative, " + r.name(e.twin) + ", also appears in this encyclopedia.";
    int early_doc = r.add("Early life of " + dn, early);
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::BornIn)] = early_doc;
}

// An organisation's article and its history.
void render_org(Renderer& r, const Entity& e, const Reverse& rev) {
    const Entity& city = r.obj(e, Rel::BasedIn);
    std::string text = Renderer::fill(
        r.one_of({"{n} is a {t} based in {c}.", "Based in {c}, {n} is a {t}.", "{n}, a {t}, has its offices in {c}."}),
        {{"n", e.name}, {"t", e.category}, {"c", city.name}});
    text += " It employs about " + std::to_string(e.number) + " people.";
    if (!rev.staff[static_cast<size_t>(e.id)].empty())
        text += " Notable staff include " + list_of(names_of(r, rev.staff[static_cast<size_t>(e.id)], 8)) + ".";
    if (e.twin >= 0) text += " It should not be confused with " + r.name(e.twin) + ", also in " + city.name + ".";
    int main = r.add(e.name, text);
    r.c.main_doc[static_cast<size_t>(e.id)] = main;
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::BasedIn)] = main;
    std::string hist = Renderer::fill(r.one_of({"{n} was established in {y} by {f}.", "In {y}, {f} founded {n}.",
                                                "The founding of {n} dates to {y}, when {f} opened its doors."}),
                                      {{"n", e.name}, {"y", std::to_string(e.year)}, {"f", r.name(e.get(Rel::FoundedBy))}});
    if (!rev.published[static_cast<size_t>(e.id)].empty())
        hist += " Titles issued under its name include " + list_of(names_of(r, rev.published[static_cast<size_t>(e.id)], 12)) + ".";
    int h = r.add("History of " + e.name, hist);
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::FoundedBy)] = h;
    r.c.year_doc[static_cast<size_t>(e.id)] = h;
}

// A place's article, with what is based, born and held there.
void render_place(Renderer& r, const Entity& e, const Reverse& rev) {
    std::string text = e.name + " is a " + e.category + " city in " + e.disambiguation + ", first settled in " + std::to_string(e.year) +
                       ", with about " + std::to_string(e.number) + " inhabitants.";
    if (e.twin >= 0) text += " Not to be confused with " + r.name(e.twin) + ".";
    if (!rev.based_here[static_cast<size_t>(e.id)].empty())
        text += " Organisations based here: " + list_of(names_of(r, rev.based_here[static_cast<size_t>(e.id)], 15)) + ".";
    if (!rev.born_here[static_cast<size_t>(e.id)].empty())
        text += " People born here: " + list_of(names_of(r, rev.born_here[static_cast<size_t>(e.id)], 20)) + ".";
    if (!rev.hosted[static_cast<size_t>(e.id)].empty())
        text += " Events hosted: " + list_of(names_of(r, rev.hosted[static_cast<size_t>(e.id)], 10)) + ".";
    int main = r.add(e.name, text);
    r.c.main_doc[static_cast<size_t>(e.id)] = main;
    r.c.year_doc[static_cast<size_t>(e.id)] = main;
}

// A work's article and its publication history.
void render_work(Renderer& r, const Entity& e) {
    const Entity& creator = r.obj(e, Rel::CreatedBy);
    std::string text = Renderer::fill(
        r.one_of({"{n} is a {y} {t} by {c}.", "{c} completed the {t} {n} in {y}.", "{n} ({y}) is a {t}; its author is {c}."}),
        {{"n", e.name}, {"y", std::to_string(e.year)}, {"t", e.category}, {"c", r.name(creator.id)}});
    text += " It runs to " + std::to_string(e.number) + " pages in its standard edition.";
    int main = r.add(e.name, text);
    r.c.main_doc[static_cast<size_t>(e.id)] = main;
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::CreatedBy)] = main;
    r.c.year_doc[static_cast<size_t>(e.id)] = main;
    std::string pub = Renderer::fill(r.one_of({"The first edition of {n} appeared under the imprint of {o}.",
                                               "{o} brought out {n}; later editions followed.", "{n} was first issued by {o}."}),
                                     {{"n", e.name}, {"o", r.name(e.get(Rel::PublishedBy))}});
    int p = r.add(e.name + " (publication history)", pub);
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::PublishedBy)] = p;
}

// An event's article and its results.
void render_event(Renderer& r, const Entity& e) {
    const Entity& city = r.obj(e, Rel::HeldIn);
    std::string text = Renderer::fill(
        r.one_of({"The {n} took place in {c} and drew {k} entrants.", "Hosted by {c}, the {n} drew {k} entrants."}),
        {{"n", e.name}, {"c", city.name}, {"k", std::to_string(e.number)}});
    int main = r.add(e.name, text);
    r.c.main_doc[static_cast<size_t>(e.id)] = main;
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::HeldIn)] = main;
    r.c.year_doc[static_cast<size_t>(e.id)] = main;
    int res = r.add("Results of the " + e.name,
                    "The " + e.category + " was awarded to " + r.name(e.get(Rel::WonBy)) + " in " + std::to_string(e.year) + ".");
    r.c.rel_doc[static_cast<size_t>(e.id)][static_cast<size_t>(Rel::WonBy)] = res;
}

// Lists: organisations by type, as table rows.
void render_lists(Renderer& r, const World& w) {
    std::map<std::string, std::vector<int>> by_kind;
    for (int id : w.of(EType::Org)) by_kind[w.at(id).category].push_back(id);
    for (const auto& [kind, ids] : by_kind) {
        std::string text = "List of " + kind + "s. Name | Founded | City.";
        for (int id : ids)
            text += " " + w.at(id).name + " | " + std::to_string(w.at(id).year) + " | " + w.at(w.at(id).get(Rel::BasedIn)).name + ".";
        r.add("List of " + kind + "s", text);
    }
}

}  // namespace

Corpus render_corpus(const World& w) {
    Renderer r(w);
    const Reverse rev(w);
    for (const auto& e : w.entities) {
        switch (e.type) {
            case EType::Person: render_person(r, w, e, rev); break;
            case EType::Org: render_org(r, e, rev); break;
            case EType::Place: render_place(r, e, rev); break;
            case EType::Work: render_work(r, e); break;
            case EType::Event: render_event(r, e); break;
        }
    }
    render_lists(r, w);
    return std::move(r.c);
}

}  // namespace envforge::search
