// Tokenizer throughput against the JavaScript reference (@huggingface/tokenizers under Node) on
// the same documents in the same run, one core each, cold caches:
//   English  the English text files of /usr/share/doc and /usr/share/common-licenses (distinct
//            files only, up to --mb MB)
//   mixed    the tokenizer test corpus (tests/model/tokenizer_corpus.py), if --mixed FILE is given
// Usage: bench_tokenizer [--mb 8] [--mixed FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "model/tokenizer.hpp"
#include "common/json.hpp"

using namespace envforge;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

#ifndef ENVFORGE_SOURCE_DIR
#define ENVFORGE_SOURCE_DIR "."
#endif

static std::vector<std::string> read_docs(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::string> docs;
    for (size_t i = 0; i + 4 <= all.size();) {
        uint32_t n;
        std::memcpy(&n, all.data() + i, 4);
        docs.push_back(all.substr(i + 4, n));
        i += 4 + n;
    }
    return docs;
}

static void run(const model::Tokenizer& tok, const std::string& name, const std::string& docs_file) {
    const std::vector<std::string> docs = read_docs(docs_file);
    size_t bytes = 0, tokens = 0;
    for (const auto& d : docs) bytes += d.size();
    auto t0 = Clock::now();
    for (const auto& d : docs) tokens += tok.encode(d).size();
    const double ours = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::string cmd = "node " ENVFORGE_SOURCE_DIR "/tests/model/tokenizer_reference.mjs " ENVFORGE_SOURCE_DIR "/third_party/npm " +
                            docs_file + " --bench";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        while (fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    double js = 0;
    try {
        js = Json::parse(out).get_number("seconds");
    } catch (...) {
        std::printf("(the JavaScript reference did not run: %s)\n", out.c_str());
    }
    std::printf("%-8s %6.2f MB, %8zu tokens: envforge %7.1f MB/s, JavaScript %6.1f MB/s, ratio %.1fx\n", name.c_str(), bytes / 1e6, tokens,
                bytes / ours / 1e6, js > 0 ? bytes / js / 1e6 : 0.0, js > 0 ? js / ours : 0.0);
}

int main(int argc, char** argv) {
    double mb = 8;
    std::string mixed;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--mb")) mb = std::atof(argv[i + 1]);
        if (!std::strcmp(argv[i], "--mixed")) mixed = argv[i + 1];
    }
    const model::Tokenizer tok = model::load_deepseek_v32_tokenizer();
    // English: distinct text files, split into documents of about 4 KB at line ends.
    std::set<std::string> seen;
    std::string english;
    std::vector<fs::path> files;
    for (const char* dir : {"/usr/share/common-licenses", "/usr/share/doc"})
        if (fs::exists(dir))
            for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied))
                if (e.is_regular_file() && e.path().extension() != ".gz" && e.file_size() < (1 << 20)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    const std::string docs_file = "/tmp/envforge-bench-english.bin";
    std::ofstream out(docs_file, std::ios::binary | std::ios::trunc);
    size_t total = 0;
    for (const auto& p : files) {
        std::ifstream f(p, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (text.find('\0') != std::string::npos || !seen.insert(text).second) continue;
        for (size_t i = 0; i < text.size();) {
            size_t end = std::min(text.size(), i + 4096);
            if (end < text.size())
                if (size_t nl = text.rfind('\n', end); nl != std::string::npos && nl > i) end = nl + 1;
            const uint32_t n = static_cast<uint32_t>(end - i);
            out.write(reinterpret_cast<const char*>(&n), 4);
            out.write(text.data() + i, n);
            total += n;
            i = end;
        }
        if (total > mb * 1e6) break;
    }
    out.close();
    run(tok, "English", docs_file);
    if (!mixed.empty()) run(tok, "mixed", mixed);
    fs::remove(docs_file);
    return 0;
}
