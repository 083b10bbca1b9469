// The shard partition: every task in exactly one shard, stable across processes and machines
// (pinned values), roughly even, and `i/N` parsed strictly.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/shard.hpp"

using namespace envforge;

TEST_CASE("shard: every id in exactly one shard, evenly") {
    const uint32_t n = 4;
    std::vector<int> per_shard(n);
    for (int i = 0; i < 4000; ++i) {
        const std::string id = "t" + std::to_string(i * 7919);
        int owners = 0;
        for (uint32_t s = 0; s < n; ++s) owners += Shard{s, n}.owns_task(id);
        CHECK(owners == 1);
        ++per_shard[shard_of(id, n)];
    }
    for (int c : per_shard) CHECK((c > 900 && c < 1100));
    CHECK(Shard{}.owns_task("anything"));
}

TEST_CASE("shard: pinned assignments (the partition is a contract between machines)") {
    // These values must never change, or shards written by two envforge versions would overlap.
    // Computed with Python: int(hashlib.sha256(id).hexdigest()[:16], 16) % N.
    CHECK(shard_of("t1969469a07eeebf0107858d1", 4) == 0);  // 0x6e05b90143e64e94 % 4
    CHECK(shard_of("t1969469a07eeebf0107858d1", 5) == 0x6e05b90143e64e94ull % 5);
    CHECK(shard_of("", 7) == 0xe3b0c44298fc1c14ull % 7);           // SHA-256("") = e3b0c442 98fc1c14 ...
    CHECK(shard_of("abc", 1000) == 0xba7816bf8f01cfeaull % 1000);  // SHA-256("abc") = ba7816bf 8f01cfea ...
}

TEST_CASE("shard: synthesis indices round-robin") {
    Shard s{1, 3};
    CHECK(s.owns_index(1));
    CHECK(s.owns_index(4));
    CHECK_FALSE(s.owns_index(0));
    CHECK_FALSE(s.owns_index(2));
}

TEST_CASE("shard: parsing") {
    CHECK(parse_shard("0/1").whole());
    CHECK(parse_shard("3/8").index == 3);
    CHECK(parse_shard("3/8").count == 8);
    CHECK(parse_shard("3/8").name() == "3/8");
    for (const char* bad : {"", "3", "8/8", "9/8", "-1/8", "1/0", "a/b", "1/8x", " 1/8", "1//8", "0/65537"})
        CHECK_THROWS_AS(parse_shard(bad), InvalidInput);
    try {
        parse_shard("4/4");
    } catch (const InvalidInput& e) {
        CHECK(std::string(e.what()).find("--shard '4/4'") != std::string::npos);
    }
}
