// The DSA engine's invariants on random tiny checkpoints: decode with caches equals a full
// prefill, batched decode equals single sequences, DSA with top-k ≥ context equals dense
// attention, and bad checkpoints fail with errors that name the tensor. (Agreement with the
// independent float64 reference is tests/model/test_golden.py.)
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "kernels/dtype.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/engine_service.hpp"
#include "model/safetensors.hpp"
#include "model/sampler.hpp"
#include "model/transformer.hpp"
#include "common/json.hpp"
#include "common/errors.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
using namespace envforge::model;
namespace fs = std::filesystem;
using envforge::testing::TempDir;

namespace {

std::string make(const TempDir& t, const std::string& preset, uint64_t seed = 3) {
    const std::string dir = (t.path / preset).string();
    WriteOptions o;
    o.seed = seed;
    if (preset == "moe-tiny") o.max_shard_bytes = 64 << 10;
    write_random_checkpoint(preset_config(preset), dir, o);
    return dir;
}

double nmse(const float* a, const float* b, size_t n) {
    double err = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) {
        err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    return err / ref;
}

std::vector<int32_t> ids(int n, int salt) {
    std::vector<int32_t> v;
    for (int i = 0; i < n; ++i) v.push_back((i * 37 + salt * 101 + 11) % 1000);
    return v;
}

std::vector<float> decode_one(Transformer& t, Sequence& s, int32_t tok) {
    Sequence* p = &s;
    return t.decode(std::span<Sequence* const>(&p, 1), std::span<const int32_t>(&tok, 1));
}

}  // namespace

TEST_CASE("model: decode with caches equals a full prefill at every position") {
    TempDir tmp("envforge-model");
    for (const char* preset : {"tiny", "moe-tiny"}) {
        INFO(preset);
        Transformer t(make(tmp, preset));
        const auto tok = ids(29, 1);  // past index_topk = 8, so DSA selects
        Sequence full;
        const auto all = t.prefill(full, tok, true);
        const int64_t V = t.config().vocab_size;
        Sequence inc;
        auto logits = t.prefill(inc, std::span<const int32_t>(tok.data(), 5), true);
        CHECK(nmse(logits.data(), all.data(), 5 * V) < 1e-12);
        for (size_t i = 5; i < tok.size(); ++i) {
            logits = decode_one(t, inc, tok[i]);
            CHECK(nmse(logits.data(), all.data() + i * V, V) < 1e-12);
        }
        CHECK(inc.length() == 29);
        // Chunked prefill equals one pass.
        Sequence chunked;
        const auto c = t.prefill(chunked, tok, true, 7);
        CHECK(nmse(c.data(), all.data(), all.size()) < 1e-12);
    }
}

TEST_CASE("model: batched decode equals each sequence alone") {
    TempDir tmp("envforge-model");
    Transformer t(make(tmp, "moe-tiny"));
    const int64_t V = t.config().vocab_size;
    std::vector<Sequence> batch(3), alone(3);
    const int lens[3] = {3, 12, 20};
    for (int i = 0; i < 3; ++i) {
        t.prefill(batch[i], ids(lens[i], i));
        t.prefill(alone[i], ids(lens[i], i));
    }
    for (int step = 0; step < 4; ++step) {
        std::vector<Sequence*> ptrs{&batch[0], &batch[1], &batch[2]};
        std::vector<int32_t> next{static_cast<int32_t>(step + 1), static_cast<int32_t>(step + 500), static_cast<int32_t>(step * 7)};
        const auto b = t.decode(ptrs, next);
        for (int i = 0; i < 3; ++i) {
            const auto a = decode_one(t, alone[i], next[i]);
            CHECK(nmse(b.data() + i * V, a.data(), V) < 1e-12);
        }
    }
    std::vector<Sequence*> twice{&batch[0], &batch[0]};
    std::vector<int32_t> two{1, 2};
    CHECK_THROWS_AS(t.decode(twice, two), InvalidInput);
}

TEST_CASE("model: DSA with index_topk at least the context equals dense attention") {
    TempDir tmp("envforge-model");
    const std::string dir = make(tmp, "tiny");
    const auto tok = ids(40, 2);
    Transformer dense(dir, {.dense = true});
    Transformer wide(dir, {.index_topk = 40});
    Transformer dsa(dir);
    Sequence a, b, c;
    const auto ld = dense.prefill(a, tok, true), lw = wide.prefill(b, tok, true), ls = dsa.prefill(c, tok, true);
    CHECK(ld == lw);  // identical: the same rows in the same order
    const int64_t V = dense.config().vocab_size;
    // With top-8 of 40 the selection must change later positions.
    CHECK(nmse(ls.data() + 39 * V, ld.data() + 39 * V, V) > 1e-6);
    CHECK(nmse(ls.data(), ld.data(), 8 * V) == 0.0);  // the first 8 positions attend to everything anyway
}

TEST_CASE("model: the plain-loop kernels and the fast kernels agree") {
    TempDir tmp("envforge-model");
    for (const char* preset : {"tiny", "moe-tiny"}) {
        const std::string dir = make(tmp, preset);
        Transformer fast(dir), slow(dir, {.reference = true});
        const auto tok = ids(30, 3);
        Sequence a, b;
        const auto lf = fast.prefill(a, tok, true), lr = slow.prefill(b, tok, true);
        CHECK(nmse(lf.data(), lr.data(), lf.size()) < 1e-10);
    }
}

TEST_CASE("model: bad checkpoints and bad ids are clear errors") {
    TempDir tmp("envforge-model");
    const std::string dir = make(tmp, "tiny");
    auto error_of = [](const std::string& d) -> std::string {
        try {
            Transformer t(d);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "";
    };
    // A tensor missing, one mis-shaped, one unexpected: rewrite the file with the change.
    auto rewrite = [&](const std::string& out, auto edit) {
        fs::create_directories(out);
        fs::copy_file(dir + "/config.json", out + "/config.json", fs::copy_options::overwrite_existing);
        Checkpoint ck(dir);
        std::vector<TensorData> ts;
        for (const auto& [name, t] : ck.tensors()) {
            TensorData d{name, t.dtype, t.shape, {}};
            const auto* p = static_cast<const uint8_t*>(t.data);
            d.bytes.assign(p, p + t.numel() * tensor_dtype_size(t.dtype));
            ts.push_back(std::move(d));
        }
        edit(ts);
        std::vector<const TensorData*> ptrs;
        for (const auto& t : ts) ptrs.push_back(&t);
        write_safetensors(out + "/model.safetensors", ptrs);
    };
    const std::string missing = (tmp.path / "missing").string();
    rewrite(missing, [](std::vector<TensorData>& ts) {
        std::erase_if(ts, [](const TensorData& t) { return t.name == "model.layers.1.self_attn.indexer.k_norm.bias"; });
    });
    CHECK(error_of(missing).find("tensor 'model.layers.1.self_attn.indexer.k_norm.bias' is missing (expected shape [16])") !=
          std::string::npos);
    const std::string shaped = (tmp.path / "shaped").string();
    rewrite(shaped, [](std::vector<TensorData>& ts) {
        for (auto& t : ts)
            if (t.name == "model.layers.0.self_attn.kv_b_proj.weight") t.shape = {t.shape[1], t.shape[0]};
    });
    CHECK(error_of(shaped).find("'model.layers.0.self_attn.kv_b_proj.weight' has shape [32, 128], expected [128, 32]") !=
          std::string::npos);
    const std::string extra = (tmp.path / "extra").string();
    rewrite(extra, [](std::vector<TensorData>& ts) {
        ts.push_back({"model.layers.0.mystery.weight", TensorDType::F32, {2}, std::vector<uint8_t>(8)});
    });
    CHECK(error_of(extra).find("unexpected tensor 'model.layers.0.mystery.weight'") != std::string::npos);
    // F16 tensors load too (widened once): the same bf16 values fit f16's 10-bit mantissa.
    const std::string half = (tmp.path / "half").string();
    rewrite(half, [](std::vector<TensorData>& ts) {
        for (auto& t : ts) {
            std::vector<uint8_t> out(t.bytes.size());
            for (size_t i = 0; i + 1 < t.bytes.size(); i += 2) {
                uint16_t b;
                std::memcpy(&b, t.bytes.data() + i, 2);
                const _Float16 h = static_cast<_Float16>(kernels::bf16_to_f32(b));
                std::memcpy(out.data() + i, &h, 2);
            }
            t.bytes = std::move(out);
            t.dtype = TensorDType::F16;
        }
    });
    {
        Transformer a(dir), b(half);
        Sequence sa, sb;
        const auto tok = ids(12, 4);
        const auto la = a.prefill(sa, tok, true), lb = b.prefill(sb, tok, true);
        CHECK(nmse(lb.data(), la.data(), la.size()) < 1e-6);  // only f16 subnormals round differently
    }
    // A truncated file: the header promises more bytes than there are.
    const std::string cut = (tmp.path / "cut").string();
    fs::create_directories(cut);
    fs::copy_file(dir + "/config.json", cut + "/config.json");
    fs::copy_file(dir + "/model.safetensors", cut + "/model.safetensors");
    fs::resize_file(cut + "/model.safetensors", fs::file_size(cut + "/model.safetensors") / 2);
    CHECK(error_of(cut).find("data_offsets outside") != std::string::npos);
    // A crafted header: 2^62 + 2 floats are 2^64 + 8 bytes, which wrap around 64 bits to the 8
    // bytes stored; the tensor would claim far more than the file holds.
    const std::string wrap = (tmp.path / "wrap").string();
    fs::create_directories(wrap);
    fs::copy_file(dir + "/config.json", wrap + "/config.json");
    {
        const std::string header = R"({"w":{"dtype":"F32","shape":[4611686018427387906],"data_offsets":[0,8]}})";
        std::ofstream f(wrap + "/model.safetensors", std::ios::binary);
        const uint64_t n = header.size();
        f.write(reinterpret_cast<const char*>(&n), 8);
        f << header << std::string(8, '\0');
    }
    CHECK(error_of(wrap).find("holds more elements than the file has bytes") != std::string::npos);
    // A config.json without a required key.
    const std::string nocfg = (tmp.path / "nocfg").string();
    fs::create_directories(nocfg);
    std::ofstream(nocfg + "/config.json") << R"({"model_type": "deepseek_v32", "hidden_size": 64})";
    CHECK(error_of(nocfg).find("'vocab_size' must be an integer (missing)") != std::string::npos);
    CHECK(error_of((tmp.path / "nowhere").string()).find("config.json") != std::string::npos);
    // Token ids outside the vocabulary.
    Transformer t(dir);
    Sequence s;
    std::vector<int32_t> bad{1, 1000};
    CHECK_THROWS_WITH_AS(t.prefill(s, bad), "token id 1000 is outside the vocabulary [0, 1000)", InvalidInput);
}

TEST_CASE("model: sampling is greedy at temperature 0 and repeatable under a seed") {
    std::vector<float> logits{0.1f, 2.0f, 1.9f, -1.0f, NAN, 2.0f};
    Sampler s(1);
    CHECK(s.sample(logits, {.temperature = 0}) == 1);  // tie with 5: lower id
    CHECK(s.sample(logits, {.temperature = 1, .top_p = 1, .top_k = 1}) == 1);
    CHECK(s.sample(logits, {.temperature = 1, .top_p = 0.01}) == 1);
    std::map<int32_t, int> counts;
    Sampler a(42), b(42);
    for (int i = 0; i < 2000; ++i) {
        const int32_t x = a.sample(logits, {.temperature = 1.0, .top_p = 0.95});
        CHECK(x == b.sample(logits, {.temperature = 1.0, .top_p = 0.95}));
        CHECK(x != 4);  // never the NaN
        ++counts[x];
    }
    // Softmax of (2.0, 2.0, 1.9, 0.1, -1.0): tokens 1 and 5 about 0.34 each, 2 about 0.31.
    CHECK(counts[1] > 550);
    CHECK(counts[5] > 550);
    CHECK(counts[2] > 480);
}

TEST_CASE("config: MoE group settings the router cannot honour are refused, naming the field") {
    Json j = config_to_json(preset_config("moe-tiny"));
    const int64_t experts = j["n_routed_experts"].as_int();
    auto refused = [&](Json bad, const std::string& field) {
        try {
            parse_config(bad);
            FAIL("accepted");
        } catch (const InvalidInput& e) {
            CHECK(std::string(e.what()).find(field) != std::string::npos);
        }
    };
    Json groups = j;
    groups.set("n_group", Json(experts + 1));
    refused(groups, "n_group");
    Json too_many = j;
    too_many.set("n_group", Json(experts));  // one expert per group
    too_many.set("topk_group", Json(int64_t{1}));
    too_many.set("num_experts_per_tok", Json(int64_t{2}));
    refused(too_many, "num_experts_per_tok");
    CHECK(parse_config(j).n_routed_experts == experts);
}

TEST_CASE("engine service: a throwing on_token ends its request; callbacks that submit at shutdown do not deadlock") {
    TempDir t;
    Transformer model(make(t, "tiny"));
    std::mutex mu;
    std::condition_variable cv;
    std::vector<GenerationResult> done;
    auto on_done = [&](GenerationResult&& r) {
        std::lock_guard lock(mu);
        done.push_back(std::move(r));
        cv.notify_all();
    };
    {
        EngineService engine(model, 2);
        GenerationRequest bad;
        bad.prompt = ids(5, 1);
        bad.max_new_tokens = 8;
        bad.on_token = [](int32_t) -> bool { throw std::runtime_error("client went away"); };
        bad.on_done = on_done;
        engine.submit(std::move(bad));
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::seconds(30), [&] { return !done.empty(); });
        REQUIRE(done.size() == 1);
        CHECK(done[0].finish_reason == "error");
        CHECK(done[0].error.find("client went away") != std::string::npos);
        done.clear();
        lock.unlock();
        // Requests still waiting when the engine goes: each on_done submits again (a retry).
        std::atomic<int> resubmitted{0};
        for (int i = 0; i < 6; ++i) {
            GenerationRequest r;
            r.prompt = ids(40, i);
            r.max_new_tokens = 200;
            r.on_done = [&, i](GenerationResult&& res) {
                if (i < 6 && resubmitted < 6) {
                    ++resubmitted;
                    GenerationRequest again;
                    again.prompt = ids(3, 9);
                    again.on_done = on_done;
                    engine.submit(std::move(again));
                }
                on_done(std::move(res));
            };
            engine.submit(std::move(r));
        }
    }  // the destructor must return, every request answered
    CHECK(done.size() >= 6);
}
