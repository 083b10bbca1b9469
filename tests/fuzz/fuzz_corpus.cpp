// A user's corpus: the input up to a line "---" as docs.jsonl, the rest as facts.jsonl, read as
// `synth search --corpus --facts` reads them (the index build is left out: it is not a parser).
#include "envgen/search/user_corpus.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    const std::string_view in = fuzz::text(data, size);
    const size_t cut = in.find("\n---\n");
    const std::string docs = fuzz::put("docs.jsonl", in.substr(0, cut));
    const std::string facts = fuzz::put("facts.jsonl", cut == std::string_view::npos ? "" : in.substr(cut + 5));
    fuzz::expect_clean([&] {
        std::unordered_map<std::string, int> by_id;
        search::read_docs(docs, by_id);
        search::read_facts(facts, by_id, {});
    });
    return 0;
}
