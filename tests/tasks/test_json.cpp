#include <doctest/doctest.h>

#include <cmath>

#include "common/errors.hpp"
#include "common/utf8.hpp"
#include "common/json.hpp"
#include "common/sha256.hpp"

using namespace envforge;

TEST_CASE("json: round trip keeps types, order and exact doubles") {
    const char* text = R"({"b":1,"a":[true,false,null,-7,9007199254740993,0.1,1e-300,2.5,3.0],"s":"q\"\\\n\u0001é😀","o":{}})";
    Json j = Json::parse(text);
    CHECK(j.at("b").is_int());
    CHECK(j.at("a").as_array()[4].as_int() == 9007199254740993LL);
    CHECK(j.at("a").as_array()[8].type() == JsonType::Double);
    std::string out = j.dump();
    CHECK(Json::parse(out) == j);
    CHECK(Json::parse(out).dump() == out);
    CHECK(out.find("\"b\":1,\"a\"") != std::string::npos);  // member order kept
    CHECK(out.find("0.1,") != std::string::npos);           // shortest representation
    CHECK(out.find("3.0]") != std::string::npos);           // stays a double
}

TEST_CASE("json: canonical form sorts keys at every level") {
    Json a = Json::parse(R"({"z":{"y":1,"x":2},"a":0})");
    Json b = Json::parse(R"({"a":0,"z":{"x":2,"y":1}})");
    CHECK(a.dump() != b.dump());
    CHECK(a.dump_canonical() == b.dump_canonical());
    CHECK(a.dump_canonical() == R"({"a":0,"z":{"x":2,"y":1}})");
}

TEST_CASE("json: malformed input is a one-line InvalidInput with the offset") {
    for (const char* bad : {"{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"\xff\"", "{\"a\":1}}"}) {
        CAPTURE(bad);
        try {
            Json::parse(bad, "probe");
            FAIL("no exception");
        } catch (const InvalidInput& e) {
            std::string msg = e.what();
            CHECK(msg.rfind("probe: invalid JSON", 0) == 0);
            CHECK(msg.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("json: nesting deeper than the limit is rejected, not a stack overflow") {
    std::string deep(100000, '[');
    CHECK_THROWS_AS(Json::parse(deep), InvalidInput);
}

TEST_CASE("json: object helpers") {
    Json o = Json::object();
    o.set("k", 1);
    o.set("k", "two");
    CHECK(o.size() == 1);
    CHECK(o.get_string("k") == "two");
    CHECK(o.get_int("missing", 7) == 7);
    CHECK(o.erase("k"));
    CHECK(o.size() == 0);
}

TEST_CASE("sha256: FIPS 180-4 test vectors") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("json: a repeated key keeps the last value at the first position, as Python's json does") {
    CHECK(Json::parse(R"({"a":1,"b":2,"a":3})").dump() == R"({"a":3,"b":2})");
    CHECK(Json::parse(R"({"x":{"k":1,"k":{"deep":true}}})").dump() == R"({"x":{"k":{"deep":true}}})");
    // Past the linear-scan limit the parser indexes the keys; repeats are still found.
    std::string big = "{";
    for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    big += "\"k7\":\"last\",\"k999\":-1}";
    Json j = Json::parse(big);
    CHECK(j.size() == 1000);
    CHECK(j.at("k7").as_string() == "last");
    CHECK(j.at("k999").as_int() == -1);
    CHECK(j.as_object()[7].key == "k7");
}

TEST_CASE("json: integers beyond int64 stay integers, digit for digit, as in Python's json") {
    const char* text =
        R"([9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,18446744073709551615,123456789012345678901234567890])";
    Json j = Json::parse(text);
    const auto& a = j.as_array();
    CHECK(a[0].is_int());
    CHECK(a[1].is_int());
    for (size_t i = 2; i < a.size(); ++i) {
        CAPTURE(i);
        CHECK(a[i].is_big_int());
        CHECK(a[i].is_number());
        CHECK_FALSE(a[i].is_int());
    }
    CHECK(a[5].big_int_digits() == "123456789012345678901234567890");
    CHECK(a[4].as_number() == 18446744073709551615.0);
    CHECK(j.dump() == text);  // exact round trip
    CHECK(Json::parse(j.dump()) == j);
}

TEST_CASE("json: doubles read as Python's float() does") {
    CHECK(Json::parse("0.1").as_number() == 0.1);
    CHECK(Json::parse("1e-400").as_number() == 0.0);          // below the smallest subnormal: zero
    CHECK(std::signbit(Json::parse("-1e-400").as_number()));  // with its sign
    CHECK(Json::parse("4.9e-324").as_number() == 5e-324);     // subnormal
    CHECK(Json::parse("1.7976931348623157e308").as_number() == 1.7976931348623157e308);
    CHECK(Json::parse("2.5E+3").as_number() == 2500.0);
    CHECK(Json::parse("-0").is_int());
    // Above the largest double is an error (Python reads inf, which JSON cannot write back).
    for (const char* big : {"[1.8e308]", "[1e400]"}) {
        CAPTURE(big);
        try {
            Json::parse(big, "big");
            FAIL("no exception");
        } catch (const InvalidInput& e) {
            const std::string msg = e.what();
            CHECK((msg.find("number too large for a double") != std::string::npos ||
                   msg.find("Number too big to be stored in double") != std::string::npos));
        }
    }
    for (const char* bad : {"01", "1.", ".5", "1e", "-", "+1", "0x10"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(Json::parse(bad), InvalidInput);
    }
}

TEST_CASE("json: a lone surrogate escape becomes U+FFFD, so what is parsed dumps to JSON that parses again (found by fuzz_json)") {
    const Json v = Json::parse(R"({"a": "x\ud41d\ude00y", "\udc80k": 1})");
    const std::string& a = v.at("a").as_string();
    CHECK(is_valid_utf8(a));
    CHECK(a == "x\xed\x90\x9d\xef\xbf\xbdy");  // U+D41D stays (a Hangul syllable), U+DE00 is replaced
    CHECK(v.find("\xef\xbf\xbdk") != nullptr);
    const Json again = Json::parse(v.dump());
    CHECK(again == v);
    // A high surrogate with its low half is one character, as before.
    CHECK(Json::parse(R"("\ud83d\ude00")").as_string() == "\xf0\x9f\x98\x80");
}
