// The facts of a user's corpus as a typed graph that questions can walk.
//
// A question names one entity and walks hops: "the archive section of the source package of X".
// Each hop is read through its relation's phrase, joins only entities of the right type (the
// package "ruby" is not the section "ruby"), and is usable only when every fact that the same
// words could ask about gives one answer: grouping is by (subject name, phrase), over all
// relations, so two relations that read alike or one subject name shared by two types can not
// make a question with two right answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace envforge::search {

struct Fact {
    std::string subject, relation, object;
    std::string subject_type, object_type;  // "" where neither the fact nor its relation names one
    int doc = -1;                           // index into the corpus's docs
};

// How one relation reads, from the relations file; what it leaves out is derived from the name.
struct RelationSpec {
    std::string phrase;  // noun phrase with one "{subject}": "the archive section of {subject}"
    std::string subject_type, object_type;
    enum class Answer { Auto, Yes, No } answer = Answer::Auto;  // may the last hop ask about it
};

// "the {words} of {subject}" where the relation's name reads as a noun ("birthplace",
// "date_of_birth"); "" where it does not ("depends_on", "P31", "wasBornIn"): such a relation
// needs a phrase in the relations file before a question may use it.
std::string derived_phrase(std::string_view relation);

// The phrase with `subject` in place of "{subject}".
std::string render_phrase(std::string_view phrase, std::string_view subject);

class FactGraph {
public:
    struct Relation {
        std::string name, phrase;  // phrase "" = unreadable: never used
        bool answerable = false;   // may be the last hop: its answers are not guessable
        size_t facts = 0;
        std::vector<std::string> common_objects;  // most frequent first, at most 2
    };
    struct Hop {
        int fact;      // the one fact (or the first of several that agree) that answers it
        int relation;  // into relations()
    };

    FactGraph(const std::vector<Fact>& facts, const std::unordered_map<std::string, RelationSpec>& specs);

    const std::vector<Relation>& relations() const { return relations_; }
    int relation_of(int fact) const { return fact_relation_[static_cast<size_t>(fact)]; }
    // Usable hops out of the entity (type, name); empty when none.
    const std::vector<Hop>& hops_from(const std::string& type, const std::string& name) const;
    // Entities with at least one usable hop, as (type, name), in a fixed order.
    const std::vector<std::pair<std::string, std::string>>& starts() const { return starts_; }
    // Every object the relation has, for wrong answers of the right kind.
    const std::vector<std::string>& objects_of(int relation) const { return objects_[static_cast<size_t>(relation)]; }

    // What was set aside, for the user: relations with no readable phrase, (subject, phrase)
    // pairs with more than one answer.
    std::vector<std::string> unreadable_relations() const;
    size_t ambiguous_pairs() const { return ambiguous_pairs_; }

private:
    std::vector<Relation> relations_;
    std::vector<int> fact_relation_;
    std::vector<std::vector<std::string>> objects_;
    std::unordered_map<std::string, std::vector<Hop>> hops_;  // key: type '\x1f' name
    std::vector<std::pair<std::string, std::string>> starts_;
    size_t ambiguous_pairs_ = 0;
};

// Answers no question should have: yes/no and their kin, which a guess gets right half the time.
bool guessable_answer(std::string_view answer);

}  // namespace envforge::search
